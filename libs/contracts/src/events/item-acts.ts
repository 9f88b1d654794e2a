import type { ActorRole } from './actor';
import type { ItemStatus } from './payloads';

/**
 * Every act on a checklist item, named by its command (DOMAIN.md's vocabulary). The two tables below
 * are the one statement of who may do each act and at which stage: libs/domain decides by them, the
 * web app offers by them.
 */
export const ITEM_ACTS = [
  'AssignItem',
  'ReassignItem',
  'RequestExtension',
  'GrantExtension',
  'RefuseExtension',
  'WithdrawItem',
  'AcknowledgeItem',
  'ReportProgress',
  'ReportCompletion',
  'UrgeItem',
  'ReturnCompletion',
  'ConcludeItem',
  'StrikeOffItem',
  'ReopenItem',
  'RecordDeadlineMissed',
  'EscalateItem',
  'ReferAccountability',
  'DecideAccountability',
  'RevokeAccountability',
] as const;
export type ItemAct = (typeof ITEM_ACTS)[number];
/** The acts on an item that exists already. */
export type ItemFollowUpAct = Exclude<ItemAct, 'AssignItem'>;

/** Who may do each act (DOMAIN.md's users, API.md's "who" column). */
export const ITEM_ACT_ROLES: { readonly [K in ItemAct]: readonly ActorRole[] } = {
  AssignItem: ['org_dept'],
  ReassignItem: ['org_dept'],
  RequestExtension: ['unit'],
  GrantExtension: ['org_dept'],
  RefuseExtension: ['org_dept'],
  WithdrawItem: ['org_dept'],
  AcknowledgeItem: ['unit'],
  ReportProgress: ['unit'],
  ReportCompletion: ['unit'],
  // `system` sends reminders only (libs/domain: systemUrgesOnlyReminders)
  UrgeItem: ['inspector', 'discipline', 'org_dept', 'system'],
  ReturnCompletion: ['inspector', 'org_dept'],
  ConcludeItem: ['inspector', 'org_dept'],
  StrikeOffItem: ['org_dept'],
  ReopenItem: ['org_dept', 'inspector'],
  RecordDeadlineMissed: ['system'],
  EscalateItem: ['system'],
  ReferAccountability: ['inspector', 'org_dept', 'discipline'],
  DecideAccountability: ['discipline', 'org_dept'],
  RevokeAccountability: ['discipline', 'org_dept'],
};

export function roleMayDo(act: ItemAct, role: ActorRole): boolean {
  return ITEM_ACT_ROLES[act].includes(role);
}

/** The stages of a live item, the columns of ITEM_STAGE_RULES. */
export const ITEM_STAGES = ['assigned', 'in_progress', 'reported', 'concluded', 'struck_off'] as const satisfies readonly ItemStatus[];
export type ItemStage = (typeof ITEM_STAGES)[number];

/** What a stage that does not let an act through answers (a rejection code of libs/domain). */
export type StageRefusal =
  | 'ITEM_CLOSED'
  | 'ITEM_AWAITING_REVIEW'
  | 'ITEM_NOT_REPORTED'
  | 'ITEM_NOT_CONCLUDED'
  | 'ITEM_NOT_CLOSED'
  | 'ITEM_ALREADY_ACKNOWLEDGED'
  | 'ITEM_ALREADY_STRUCK_OFF';
const OK = undefined;
type Cell = StageRefusal | typeof OK;
const [CLOSED, AWAITING, NOT_REPORTED, NOT_CONCLUDED, NOT_CLOSED] = [
  'ITEM_CLOSED',
  'ITEM_AWAITING_REVIEW',
  'ITEM_NOT_REPORTED',
  'ITEM_NOT_CONCLUDED',
  'ITEM_NOT_CLOSED',
] as const;

/**
 * The transition table: which stage lets each act through, and what the others answer. A withdrawn
 * item lets through only ACTS_AFTER_WITHDRAWAL.
 */
// prettier-ignore
export const ITEM_STAGE_RULES: { readonly [K in ItemFollowUpAct]: readonly [Cell, Cell, Cell, Cell, Cell] } = {
  //                      assigned        in_progress                  reported                     concluded      struck_off
  ReassignItem:         [OK,            OK,                          OK,                          CLOSED,        CLOSED],
  RequestExtension:     [OK,            OK,                          AWAITING,                    CLOSED,        CLOSED],
  GrantExtension:       [OK,            OK,                          OK,                          CLOSED,        CLOSED],
  RefuseExtension:      [OK,            OK,                          OK,                          CLOSED,        CLOSED],
  WithdrawItem:         [OK,            OK,                          OK,                          CLOSED,        CLOSED],
  AcknowledgeItem:      [OK,            'ITEM_ALREADY_ACKNOWLEDGED', 'ITEM_ALREADY_ACKNOWLEDGED', CLOSED,        CLOSED],
  ReportProgress:       [OK,            OK,                          AWAITING,                    CLOSED,        CLOSED],
  ReportCompletion:     [OK,            OK,                          AWAITING,                    CLOSED,        CLOSED],
  UrgeItem:             [OK,            OK,                          OK,                          CLOSED,        CLOSED],
  ReturnCompletion:     [NOT_REPORTED,  NOT_REPORTED,                OK,                          CLOSED,        CLOSED],
  ConcludeItem:         [NOT_REPORTED,  NOT_REPORTED,                OK,                          CLOSED,        CLOSED],
  StrikeOffItem:        [NOT_CONCLUDED, NOT_CONCLUDED,               NOT_CONCLUDED,               OK,            'ITEM_ALREADY_STRUCK_OFF'],
  ReopenItem:           [NOT_CLOSED,    NOT_CLOSED,                  NOT_CLOSED,                  OK,            OK],
  RecordDeadlineMissed: [OK,            OK,                          OK,                          OK,            CLOSED],
  // The ladder presses the unit while the work is its own: not once it has reported (the review is not its delay).
  EscalateItem:         [OK,            OK,                          AWAITING,                    CLOSED,        CLOSED],
  ReferAccountability:  [OK,            OK,                          OK,                          OK,            OK],
  DecideAccountability: [OK,            OK,                          OK,                          OK,            OK],
  RevokeAccountability: [OK,            OK,                          OK,                          OK,            OK],
};

/**
 * A withdrawal (撤销) ends the work, not the accountability already decided (DOMAIN.md): a decision
 * recorded before it can still be revoked on appeal. Nothing new is referred or decided on it.
 */
export const ACTS_AFTER_WITHDRAWAL: readonly ItemFollowUpAct[] = ['RevokeAccountability'];

/** Why an item at this status refuses the act (ITEM_WITHDRAWN for a withdrawn one), or undefined when it lets it through. */
export function stageRefusal(act: ItemFollowUpAct, status: ItemStatus): StageRefusal | 'ITEM_WITHDRAWN' | undefined {
  if (status === 'withdrawn') return ACTS_AFTER_WITHDRAWAL.includes(act) ? OK : 'ITEM_WITHDRAWN';
  return ITEM_STAGE_RULES[act][ITEM_STAGES.indexOf(status)];
}
