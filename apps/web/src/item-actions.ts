import { EVENT_LABELS, roleMayDo, stageRefusal, STATUS_LABELS, type ItemFollowUpAct, type ItemStatus, type UserRole } from '@ledger/contracts/events';

/** The kinds of request body the item page asks for; each has one form component (components/action-forms). */
export type BodyKind = 'none' | 'evidence' | 'reason' | 'note' | 'extension' | 'urge' | 'referral' | 'decision';

export interface ItemAction {
  /** The act's one name (its command, DOMAIN.md's vocabulary). */
  act: ItemFollowUpAct;
  /** API.md's route: POST /items/:id/<path>. */
  path: string;
  /** The button: the label of the event the act records, unless a verb reads better than its noun. */
  label: string;
  body: BodyKind;
  /** An evidence body's text field: its label and the body field it fills. */
  text?: { label: string; field: 'summary' | 'note' };
  /** Shown once the page shows the act. */
  done: string;
  primary?: boolean;
  /** Grant and refuse answer a pending extension request. */
  answersExtension?: boolean;
  testId?: string;
}

/**
 * The acts the item page offers, in the order of its buttons. Who may do each, and at which stage, is
 * not here: libs/contracts' ITEM_ACT_ROLES and ITEM_STAGE_RULES, which the API decides by, say it.
 */
export const ITEM_ACTIONS: readonly ItemAction[] = [
  { act: 'AcknowledgeItem', path: 'acknowledge', label: EVENT_LABELS.ItemAcknowledged, body: 'none', done: '已签收', primary: true, testId: 'act-acknowledge' },
  {
    act: 'ReportProgress',
    path: 'progress',
    label: '报告进展',
    body: 'evidence',
    text: { label: '进展情况（必填）', field: 'note' },
    done: '进展已报告',
    testId: 'act-progress',
  },
  {
    act: 'ReportCompletion',
    path: 'complete',
    label: '反馈办结',
    body: 'evidence',
    text: { label: '办结情况（必填）', field: 'summary' },
    done: '已反馈办结，等待审核',
    primary: true,
    testId: 'act-complete',
  },
  {
    act: 'RequestExtension',
    path: 'extension/request',
    label: EVENT_LABELS.ExtensionRequested,
    body: 'extension',
    done: '延期申请已提交',
    testId: 'act-extension',
  },
  { act: 'ReturnCompletion', path: 'return', label: EVENT_LABELS.CompletionReturned, body: 'reason', done: '已退回承办单位', testId: 'act-return' },
  {
    act: 'ConcludeItem',
    path: 'conclude',
    label: EVENT_LABELS.ItemConcluded,
    body: 'note',
    done: STATUS_LABELS.concluded,
    primary: true,
    testId: 'act-conclude',
  },
  {
    act: 'StrikeOffItem',
    path: 'strike-off',
    label: EVENT_LABELS.ItemStruckOff,
    body: 'note',
    done: STATUS_LABELS.struck_off,
    primary: true,
    testId: 'act-strike-off',
  },
  { act: 'ReopenItem', path: 'reopen', label: EVENT_LABELS.ItemReopened, body: 'reason', done: '已重新挂账' },
  { act: 'UrgeItem', path: 'urge', label: EVENT_LABELS.ItemUrged, body: 'urge', done: '已督促', testId: 'act-urge' },
  { act: 'GrantExtension', path: 'extension/grant', label: EVENT_LABELS.ExtensionGranted, body: 'note', done: '已批准延期', answersExtension: true },
  { act: 'RefuseExtension', path: 'extension/refuse', label: EVENT_LABELS.ExtensionRefused, body: 'reason', done: '已不予延期', answersExtension: true },
  { act: 'ReferAccountability', path: 'accountability/refer', label: EVENT_LABELS.AccountabilityReferred, body: 'referral', done: '已移送问责' },
  { act: 'DecideAccountability', path: 'accountability/decide', label: '记录问责决定', body: 'decision', done: '问责决定已记录', testId: 'act-decide' },
];

export const itemAction = (act: ItemFollowUpAct): ItemAction => ITEM_ACTIONS.find((a) => a.act === act)!;

/** The acts this role may do on an item at this status (with or without an extension request awaiting an answer). */
export function offeredActions(role: UserRole, status: ItemStatus, pendingExtension: boolean): ItemAction[] {
  return ITEM_ACTIONS.filter((a) => roleMayDo(a.act, role) && stageRefusal(a.act, status) === undefined && (!a.answersExtension || pendingExtension));
}
