import type { AccountabilityForm, AccountabilityTargetKind, ItemStatus } from '@ledger/contracts/events';
import type {
  AccountabilityEntry,
  CadreFiguresRow,
  CadreView,
  Figures,
  ItemPage,
  ItemView,
  Light,
  SheetView,
  UnitFiguresRow,
  UnitView,
} from '@ledger/contracts/http/views';

/** API.md response shapes (declared once in libs/contracts), as the read models answer them. */
export type { AccountabilityEntry, CadreFiguresRow, CadreView, Figures, ItemPage, ItemView, Light, SheetView, UnitFiguresRow, UnitView };
export const LIGHTS: readonly Light[] = ['green', 'yellow', 'red'];
export const OPEN_STATUSES: readonly ItemStatus[] = ['assigned', 'in_progress', 'reported'];
/** OPEN_STATUSES as an SQL list. */
export const OPEN_SQL = `(${OPEN_STATUSES.map((s) => `'${s}'`).join(',')})`;

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
