import {
  ITEM_ACTS,
  type AccountabilityForm,
  type AccountabilityTarget,
  type Evidence,
  type LocalDate,
  type ReferralBody,
  type UrgeLevel,
} from '@ledger/contracts/events';
import type { CommandContext } from '../shared/decider';
import type { CadreFacts, UnitFacts } from '../shared/policies';

/**
 * Item commands. Every one carries the item id in `data.itemId`, who acts and when in `context`, and,
 * where a rule needs to know about other aggregates, the facts the application resolved in `facts`.
 * `facts.inActorScope`: is the item's handling unit inside the acting unit user's subtree? (Ignored for
 * county-level roles.)
 */
export interface ScopeFact {
  inActorScope?: boolean;
}

interface ItemCommandBase<T extends string, D, F = object> {
  type: T;
  context: CommandContext;
  data: { itemId: string } & D;
  facts?: F & ScopeFact;
}

// 定责 assign
export interface AssignFacts {
  sheet: { exists: boolean };
  unit: UnitFacts;
  cadre: CadreFacts;
  /** Needed when the command names a leader (责任领导). */
  leader?: CadreFacts;
  /** One entry per support unit (配合单位) the command names. */
  supportUnits?: Record<string, UnitFacts>;
}
export type AssignItem = ItemCommandBase<
  'AssignItem',
  {
    sheetId: string;
    title: string;
    requirements?: string | null;
    unitId: string;
    supportUnitIds?: string[];
    cadreId: string;
    leaderId?: string | null;
    dueDate: LocalDate;
  },
  AssignFacts
> & { facts: AssignFacts & ScopeFact };

/** Facts only about what changes: `unit` when `unitId` is given, `cadre` when `cadreId` is given. */
export type ReassignItem = ItemCommandBase<
  'ReassignItem',
  { unitId?: string | null; cadreId?: string | null; reason: string },
  { unit?: UnitFacts; cadre?: CadreFacts }
>;
export type RequestExtension = ItemCommandBase<'RequestExtension', { newDueDate: LocalDate; reason: string }>;
/**
 * `previousApprover`: the user id of whoever granted the item's latest extension (from the metadata of
 * its stream), null when none was granted. A second or later grant without it is refused.
 */
export type GrantExtension = ItemCommandBase<'GrantExtension', { note?: string | null }, { previousApprover?: string | null }>;
export type RefuseExtension = ItemCommandBase<'RefuseExtension', { reason: string }>;
export type WithdrawItem = ItemCommandBase<'WithdrawItem', { reason: string }>;

// 履责 fulfil
export type AcknowledgeItem = ItemCommandBase<'AcknowledgeItem', object>;
export type ReportProgress = ItemCommandBase<'ReportProgress', { note: string; evidence?: Evidence[] }>;
export type ReportCompletion = ItemCommandBase<'ReportCompletion', { summary: string; evidence?: Evidence[] }>;

// 督责 supervise
export type UrgeItem = ItemCommandBase<'UrgeItem', { level: UrgeLevel; channel?: string | null; note?: string | null }>;
export type ReturnCompletion = ItemCommandBase<'ReturnCompletion', { reason: string }>;
export type ConcludeItem = ItemCommandBase<'ConcludeItem', { note?: string | null }>;
export type StrikeOffItem = ItemCommandBase<'StrikeOffItem', { note?: string | null }>;
export type ReopenItem = ItemCommandBase<'ReopenItem', { reason: string }>;
/** The deadline worker's command (role `system`): records that the due date in force has passed. */
export type RecordDeadlineMissed = ItemCommandBase<'RecordDeadlineMissed', object>;
/**
 * The deadline worker's command (role `system`): the ladder step reached today, `step` days after the
 * due date in force (LEDGER_ESCALATION), at `level`.
 */
export type EscalateItem = ItemCommandBase<'EscalateItem', { step: number; level: UrgeLevel }>;

// 追责 hold accountable
export type ReferAccountability = ItemCommandBase<
  'ReferAccountability',
  { target: AccountabilityTarget; to: ReferralBody; note?: string | null },
  { targetExists?: boolean }
>;
export type DecideAccountability = ItemCommandBase<
  'DecideAccountability',
  {
    decisionId: string;
    target: AccountabilityTarget;
    form: AccountabilityForm;
    dispositionForm?: 1 | 2 | 3 | 4 | null;
    decidedBy: string;
    decidedOn: LocalDate;
    documentNo?: string | null;
    effectMonths?: number | null;
    reason: string;
  },
  { targetExists?: boolean }
>;
export type RevokeAccountability = ItemCommandBase<'RevokeAccountability', { decisionId: string; reason: string; appealOutcome?: string | null }>;

export type ItemCommand =
  | AssignItem
  | ReassignItem
  | RequestExtension
  | GrantExtension
  | RefuseExtension
  | WithdrawItem
  | AcknowledgeItem
  | ReportProgress
  | ReportCompletion
  | UrgeItem
  | ReturnCompletion
  | ConcludeItem
  | StrikeOffItem
  | ReopenItem
  | RecordDeadlineMissed
  | EscalateItem
  | ReferAccountability
  | DecideAccountability
  | RevokeAccountability;

export type ItemCommandType = ItemCommand['type'];
/** libs/contracts' list of item acts, one per command type (the annotation checks it names no other). */
export const ITEM_COMMAND_TYPES: readonly ItemCommandType[] = ITEM_ACTS;
