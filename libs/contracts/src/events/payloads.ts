import type { AccountRole, ActorRank } from './actor';

/** Dates are county-local `YYYY-MM-DD` strings (Asia/Shanghai); instants are ISO-8601 strings. */
export type LocalDate = string;

export const UNIT_KINDS = [
  'province_committee',
  'county_committee',
  'township_committee',
  'working_committee',
  'general_branch',
  'branch',
  'party_group',
] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export interface Evidence {
  name: string;
  size: number;
  sha256: string;
  /** Set by the server when the file itself was in the evidence store as the report was recorded (POST /evidence). */
  stored?: true;
}

/** 提醒 / 催办 / 督办 (yellow card) / 挂牌督办 (red card), in rising order. */
export const URGE_LEVELS = ['reminder', 'urge', 'notice', 'listed'] as const;
export type UrgeLevel = (typeof URGE_LEVELS)[number];

export type AccountabilityTargetKind = 'cadre' | 'unit';
export interface AccountabilityTarget {
  kind: AccountabilityTargetKind;
  id: string;
}
export const UNIT_ACCOUNTABILITY_FORMS = ['inspection', 'circulated_criticism', 'reorganisation'] as const;
export const CADRE_ACCOUNTABILITY_FORMS = ['circulated_criticism', 'admonishment', 'organisational_measure', 'disciplinary_sanction'] as const;
export type AccountabilityForm = (typeof UNIT_ACCOUNTABILITY_FORMS)[number] | (typeof CADRE_ACCOUNTABILITY_FORMS)[number];
export type ReferralBody = 'discipline' | 'organisation';

export const ITEM_STATUSES = ['assigned', 'in_progress', 'reported', 'concluded', 'struck_off', 'withdrawn'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

// Organisation unit stream: unit-<id>
export interface UnitRegistered {
  unitId: string;
  name: string;
  kind: UnitKind;
  parentId: string | null;
}
export interface UnitRenamed {
  unitId: string;
  name: string;
  previousName: string;
}
export interface UnitMoved {
  unitId: string;
  parentId: string;
  previousParentId: string | null;
}
export interface UnitDissolved {
  unitId: string;
  reason: string;
}
/**
 * Unit tree claim stream: unit_tree-county. Every move claims its place here (expected revision)
 * before its UnitMoved, so that two moves deciding on the same tree cannot both pass: the claim names
 * the UnitMoved it precedes (its event id, and the unit's revision it is to follow).
 */
export interface UnitMoveClaimed {
  unitId: string;
  parentId: string;
  previousParentId: string | null;
  unitRevision: number;
  eventId: string;
}

// Cadre stream: cadre-<id>
export interface CadreRegistered {
  cadreId: string;
  name: string;
  unitId: string;
  post: string;
}
export interface CadreTransferred {
  cadreId: string;
  unitId: string;
  post: string;
  previousUnitId: string;
  previousPost: string;
}
export interface CadreLeft {
  cadreId: string;
  reason: string;
}

// Assignment sheet (交办单) stream: sheet-<id>; number claim stream: sheet_number-<number>
export interface SheetIssued {
  sheetId: string;
  number: string;
  title: string;
  source: string | null;
  issuedOn: LocalDate;
}
export interface SheetNumberClaimed {
  number: string;
  sheetId: string;
}

// Checklist item stream: item-<id>
// 定责 assign
export interface ItemAssigned {
  itemId: string;
  sheetId: string;
  title: string;
  requirements: string;
  unitId: string;
  supportUnitIds: string[];
  cadreId: string;
  leaderId: string | null;
  dueDate: LocalDate;
}
export interface ItemReassigned {
  itemId: string;
  unitId: string;
  cadreId: string;
  previousUnitId: string;
  previousCadreId: string;
  reason: string;
}
export interface ExtensionRequested {
  itemId: string;
  newDueDate: LocalDate;
  currentDueDate: LocalDate;
  reason: string;
}
export interface ExtensionGranted {
  itemId: string;
  newDueDate: LocalDate;
  previousDueDate: LocalDate;
  note: string | null;
  extensionNumber: number;
}
export interface ExtensionRefused {
  itemId: string;
  newDueDate: LocalDate;
  reason: string;
}
export interface ItemWithdrawn {
  itemId: string;
  reason: string;
}
// 履责 fulfil
export interface ItemAcknowledged {
  itemId: string;
  unitId: string;
}
export interface ProgressReported {
  itemId: string;
  note: string;
  evidence: Evidence[];
}
export interface CompletionReported {
  itemId: string;
  summary: string;
  evidence: Evidence[];
}
// 督责 supervise
export interface ItemUrged {
  itemId: string;
  level: UrgeLevel;
  channel: string | null;
  note: string | null;
}
export interface CompletionReturned {
  itemId: string;
  reason: string;
}
export interface ItemConcluded {
  itemId: string;
  note: string | null;
  concludedOn: LocalDate;
  dueDate: LocalDate;
  onTime: boolean;
}
export interface ItemStruckOff {
  itemId: string;
  note: string | null;
}
export interface ItemReopened {
  itemId: string;
  reason: string;
  previousStatus: 'concluded' | 'struck_off';
}
export interface DeadlineMissed {
  itemId: string;
  dueDate: LocalDate;
}
/**
 * A step of the county's escalation ladder (LEDGER_ESCALATION), recorded by the system: `level` is
 * the step's urge level, `step` its days after the due date (0: on the due date itself), `dueDate`
 * the due date in force it counts from, `daysOverdue` the county days past it when it was recorded.
 */
export interface ItemEscalated {
  itemId: string;
  step: number;
  level: UrgeLevel;
  dueDate: LocalDate;
  daysOverdue: number;
}
// 追责 hold accountable
export interface AccountabilityReferred {
  itemId: string;
  target: AccountabilityTarget;
  to: ReferralBody;
  note: string | null;
}
export interface AccountabilityDecided {
  itemId: string;
  decisionId: string;
  target: AccountabilityTarget;
  form: AccountabilityForm;
  /** 四种形态 1–4, where the deciding body states one. */
  dispositionForm: 1 | 2 | 3 | 4 | null;
  decidedBy: string;
  decidedOn: LocalDate;
  documentNo: string | null;
  effectMonths: number | null;
  reason: string;
}
export interface AccountabilityRevoked {
  itemId: string;
  decisionId: string;
  reason: string;
  appealOutcome: string | null;
}

// Account stream: account-<id>; login claim stream: account_login-<login, lower case>.
// Secrets never go into these events: the password hash lives in the credentials table.
export type AccountStatus = 'active' | 'locked' | 'closed';
export interface AccountOpened {
  accountId: string;
  login: string;
  name: string;
  phone: string | null;
  /** The unit whose subtree the account acts for with the `unit` role; null otherwise. */
  unitId: string | null;
  roles: AccountRole[];
  rank: ActorRank | null;
  reason: string | null;
}
export interface AccountLoginClaimed {
  login: string;
  accountId: string;
}
export interface AccountRoleGranted {
  accountId: string;
  role: AccountRole;
  unitId: string | null;
  reason: string | null;
}
export interface AccountRoleRevoked {
  accountId: string;
  role: AccountRole;
  reason: string | null;
}
export interface AccountUnitChanged {
  accountId: string;
  unitId: string;
  previousUnitId: string | null;
  reason: string | null;
}
/** `until`: an automatic lock's end (failed sign-ins); null until an administrator unlocks it. */
export interface AccountLocked {
  accountId: string;
  reason: string | null;
  until: string | null;
}
export interface AccountUnlocked {
  accountId: string;
  reason: string | null;
}
/**
 * That a password was set, never which: `initial` on opening, `reset` by the security administrator
 * (both one-time: `mustChange`), `changed` by the account's holder.
 */
export interface AccountPasswordSet {
  accountId: string;
  kind: 'initial' | 'reset' | 'changed';
  mustChange: boolean;
  reason: string | null;
}
export interface AccountClosed {
  accountId: string;
  reason: string | null;
}
