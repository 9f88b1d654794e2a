import type {
  AccountabilityForm,
  AccountabilityTarget,
  AccountabilityTargetKind,
  ItemStatus,
  UnitKind,
  UrgeLevel,
} from '@ledger/contracts/events';

/** API.md response shapes, as the read models answer them. */
export type Light = 'green' | 'yellow' | 'red';
export const LIGHTS: readonly Light[] = ['green', 'yellow', 'red'];
export const OPEN_STATUSES: readonly ItemStatus[] = ['assigned', 'in_progress', 'reported'];

export interface UnitView {
  id: string;
  name: string;
  kind: UnitKind;
  parentId: string | null;
  path: string;
  dissolved: boolean;
}

export interface CadreView {
  id: string;
  name: string;
  unitId: string;
  post: string;
  left: boolean;
}

export interface SheetView {
  id: string;
  number: string;
  title: string;
  source: string | null;
  issuedOn: string;
}

export interface ItemView {
  id: string;
  sheetId: string;
  title: string;
  requirements: string;
  unitId: string;
  supportUnitIds: string[];
  cadreId: string;
  leaderId: string | null;
  status: ItemStatus;
  light: Light | null;
  overdue: boolean;
  dueDate: string;
  originalDueDate: string;
  concludedOn: string | null;
  onTime: boolean | null;
  createdAt: string;
  updatedAt: string;
  revision: number;
  /** Decimal string. */
  position: string;
  urgeLevel: UrgeLevel | null;
  accountabilityCount: number;
}

export interface Figures {
  total: number;
  open: number;
  overdue: number;
  dueSoon: number;
  awaitingReview: number;
  concluded: number;
  struckOff: number;
  withdrawn: number;
  closureRate: number;
  onTimeRate: number;
}

export type UnitFiguresRow = { unitId: string; name: string } & Figures;
export type CadreFiguresRow = { cadreId: string; name: string } & Figures;

export interface AccountabilityEntry {
  itemId: string;
  decisionId: string;
  target: AccountabilityTarget;
  form: AccountabilityForm;
  dispositionForm: number | null;
  decidedBy: string;
  decidedOn: string;
  documentNo: string | null;
  effectMonths: number | null;
  revoked: boolean;
}

export type ItemSortKey = 'dueDate' | 'updatedAt' | 'createdAt' | 'status' | 'title';
export const ITEM_SORT_KEYS: readonly ItemSortKey[] = ['dueDate', 'updatedAt', 'createdAt', 'status', 'title'];

export interface ItemFilter {
  status?: ItemStatus[];
  light?: Light;
  unitId?: string;
  /** With `unitId`: include the unit's whole subtree (default true). */
  subtree?: boolean;
  cadreId?: string;
  sheetId?: string;
  dueFrom?: string;
  dueTo?: string;
  /** `dueDate`, `-updatedAt`, …; default `dueDate`. */
  sort?: string;
  page?: number;
  pageSize?: number;
  /** A unit user's scope: only items handled within this unit's subtree. */
  scopeRootUnitId?: string;
}

export interface ItemPage {
  items: ItemView[];
  total: number;
  page: number;
  pageSize: number;
}

export interface CadreFilter {
  unitId?: string;
  subtree?: boolean;
  /** Include cadres who left (default false). */
  includeLeft?: boolean;
}

export interface RegisterFilter {
  targetKind?: AccountabilityTargetKind;
  targetId?: string;
  form?: AccountabilityForm;
  from?: string;
  to?: string;
  /** Only decisions on items handled within this unit's subtree (unit users). */
  scopeRootUnitId?: string;
}
