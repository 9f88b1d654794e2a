import type { AccountabilityForm, AccountabilityTarget, ItemStatus, UnitKind, UrgeLevel } from '../events';

/**
 * API.md's response shapes, declared once: the read models answer them, the exports write them, the
 * web app reads them. Pure types (and one pure function), no decorators: the browser bundle and
 * libs that must not load class-validator import this module itself, never `@ledger/contracts`.
 */
export type Light = 'green' | 'yellow' | 'red';

/** `POST` answers: the stream's revision after the append; `position` a decimal string (may exceed 2^53). */
export interface CommandResult {
  id: string;
  revision: number;
  position: string;
}

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

export interface ItemPage {
  items: ItemView[];
  total: number;
  page: number;
  pageSize: number;
}

/** Rates are fractions 0–1: `closureRate` = (concluded + struckOff) / (total − withdrawn), 0 when nothing counts. */
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

/** A row of `/units/:id/children/outstanding`. */
export type UnitFiguresRow = { unitId: string; name: string } & Figures;
/** A row of `/cadres/outstanding`. */
export type CadreFiguresRow = { cadreId: string; name: string } & Figures;

/** A row of the accountability register (`/accountability`). */
export interface AccountabilityEntry {
  itemId: string;
  decisionId: string;
  target: AccountabilityTarget;
  form: AccountabilityForm;
  dispositionForm: number | null;
  /** The deciding body, e.g. 县纪委监委. */
  decidedBy: string;
  decidedOn: string;
  documentNo: string | null;
  effectMonths: number | null;
  revoked: boolean;
}

/** The figures of nothing: every count and rate 0. */
export function emptyFigures(): Figures {
  return {
    total: 0,
    open: 0,
    overdue: 0,
    dueSoon: 0,
    awaitingReview: 0,
    concluded: 0,
    struckOff: 0,
    withdrawn: 0,
    closureRate: 0,
    onTimeRate: 0,
  };
}
