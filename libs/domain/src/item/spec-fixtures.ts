import type { ActorRole, EventOf, LedgerEvent, UrgeLevel } from '@ledger/contracts/events';
import { specFor } from '../shared/specification';
import { contextFor } from '../testing';
import type { ItemCommand, ItemCommandType } from './commands';
import { itemDecider } from './decide';
import type { ItemEvent } from './evolve';

/** Shared examples for the item specs: one item of 和平乡茶曲村, due 2026-03-20, looked at on 2026-03-10. */
export const ITEM = 'item-1';
export const DUE = '2026-03-20';
export const TODAY = '2026-03-10';

export const { given } = specFor(itemDecider);

export const ev = {
  assigned: {
    type: 'ItemAssigned',
    data: {
      itemId: ITEM,
      sheetId: 'sheet-1',
      title: '完成村党支部换届选举',
      requirements: '按期完成并报送结果',
      unitId: 'chaqu',
      supportUnitIds: [],
      cadreId: 'cadre-1',
      leaderId: null,
      dueDate: DUE,
    },
  } satisfies EventOf<'ItemAssigned'>,
  acknowledged: { type: 'ItemAcknowledged', data: { itemId: ITEM, unitId: 'chaqu' } } satisfies EventOf<'ItemAcknowledged'>,
  completionReported: { type: 'CompletionReported', data: { itemId: ITEM, summary: '已完成', evidence: [] } } satisfies EventOf<'CompletionReported'>,
  concluded: {
    type: 'ItemConcluded',
    data: { itemId: ITEM, note: null, concludedOn: TODAY, dueDate: DUE, onTime: true },
  } satisfies EventOf<'ItemConcluded'>,
  concludedLate: {
    type: 'ItemConcluded',
    data: { itemId: ITEM, note: null, concludedOn: '2026-03-22', dueDate: DUE, onTime: false },
  } satisfies EventOf<'ItemConcluded'>,
  struckOff: { type: 'ItemStruckOff', data: { itemId: ITEM, note: null } } satisfies EventOf<'ItemStruckOff'>,
  withdrawn: { type: 'ItemWithdrawn', data: { itemId: ITEM, reason: '任务调整' } } satisfies EventOf<'ItemWithdrawn'>,
  extensionRequested: (newDueDate = '2026-03-31', currentDueDate = DUE) =>
    ({ type: 'ExtensionRequested', data: { itemId: ITEM, newDueDate, currentDueDate, reason: '天气原因' } }) satisfies EventOf<'ExtensionRequested'>,
  extensionGranted: (newDueDate = '2026-03-31', previousDueDate = DUE, extensionNumber = 1) =>
    ({ type: 'ExtensionGranted', data: { itemId: ITEM, newDueDate, previousDueDate, note: null, extensionNumber } }) satisfies EventOf<'ExtensionGranted'>,
  deadlineMissed: (dueDate = DUE) => ({ type: 'DeadlineMissed', data: { itemId: ITEM, dueDate } }) satisfies EventOf<'DeadlineMissed'>,
  escalated: (step: number, level: UrgeLevel, daysOverdue: number, dueDate = DUE) =>
    ({ type: 'ItemEscalated', data: { itemId: ITEM, step, level, dueDate, daysOverdue } }) satisfies EventOf<'ItemEscalated'>,
  decided: (decisionId = 'd1') =>
    ({
      type: 'AccountabilityDecided',
      data: {
        itemId: ITEM,
        decisionId,
        target: { kind: 'cadre', id: 'cadre-1' },
        form: 'admonishment',
        dispositionForm: 1,
        decidedBy: '县纪委监委',
        decidedOn: '2026-03-09',
        documentNo: '湟纪〔2026〕3号',
        effectMonths: 6,
        reason: '履职不力',
      },
    }) satisfies EventOf<'AccountabilityDecided'>,
};

/** The history that puts the item in each stage. */
export const STAGE_HISTORIES: Record<string, ItemEvent[]> = {
  unassigned: [],
  assigned: [ev.assigned],
  in_progress: [ev.assigned, ev.acknowledged],
  reported: [ev.assigned, ev.acknowledged, ev.completionReported],
  concluded: [ev.assigned, ev.acknowledged, ev.completionReported, ev.concluded],
  struck_off: [ev.assigned, ev.acknowledged, ev.completionReported, ev.concluded, ev.struckOff],
  withdrawn: [ev.assigned, ev.withdrawn],
};
export const STAGES = Object.keys(STAGE_HISTORIES);

/** A valid example of every item command, sent by a role allowed to send it, in scope. */
export function command<T extends ItemCommandType>(
  type: T,
  options: { role?: ActorRole; today?: string; data?: Record<string, unknown>; facts?: Record<string, unknown> } = {},
): Extract<ItemCommand, { type: T }> {
  const example = EXAMPLES[type];
  return {
    type,
    context: contextFor(options.role ?? example.role, { today: options.today ?? TODAY, unitId: 'chaqu' }),
    data: { itemId: ITEM, ...example.data, ...options.data },
    facts: { inActorScope: true, ...example.facts, ...options.facts },
  } as unknown as Extract<ItemCommand, { type: T }>;
}

const live = { exists: true, dissolved: false };
const EXAMPLES: Record<ItemCommandType, { role: ActorRole; data: Record<string, unknown>; facts?: Record<string, unknown> }> = {
  AssignItem: {
    role: 'org_dept',
    data: { sheetId: 'sheet-1', title: '完成村党支部换届选举', requirements: '按期完成并报送结果', unitId: 'chaqu', cadreId: 'cadre-1', dueDate: DUE },
    facts: { sheet: { exists: true }, unit: live, cadre: { exists: true, left: false } },
  },
  ReassignItem: { role: 'org_dept', data: { cadreId: 'cadre-2', reason: '人员调整' }, facts: { cadre: { exists: true, left: false } } },
  RequestExtension: { role: 'unit', data: { newDueDate: '2026-03-31', reason: '天气原因' } },
  GrantExtension: { role: 'org_dept', data: { note: null } },
  RefuseExtension: { role: 'org_dept', data: { reason: '理由不充分' } },
  WithdrawItem: { role: 'org_dept', data: { reason: '任务调整' } },
  AcknowledgeItem: { role: 'unit', data: {} },
  ReportProgress: { role: 'unit', data: { note: '已召开支委会' } },
  ReportCompletion: { role: 'unit', data: { summary: '已完成' } },
  UrgeItem: { role: 'inspector', data: { level: 'urge', channel: '电话' } },
  ReturnCompletion: { role: 'inspector', data: { reason: '佐证材料不全' } },
  ConcludeItem: { role: 'inspector', data: { note: '经核实已完成' } },
  StrikeOffItem: { role: 'org_dept', data: { note: '核验无误' } },
  ReopenItem: { role: 'org_dept', data: { reason: '群众反映问题反弹' } },
  RecordDeadlineMissed: { role: 'system', data: {} },
  EscalateItem: { role: 'system', data: { step: 3, level: 'urge' } },
  ReferAccountability: { role: 'inspector', data: { target: { kind: 'cadre', id: 'cadre-1' }, to: 'discipline' } },
  DecideAccountability: {
    role: 'discipline',
    data: {
      decisionId: 'd1',
      target: { kind: 'cadre', id: 'cadre-1' },
      form: 'admonishment',
      dispositionForm: 1,
      decidedBy: '县纪委监委',
      decidedOn: '2026-03-09',
      documentNo: '湟纪〔2026〕3号',
      effectMonths: 6,
      reason: '履职不力',
    },
  },
  RevokeAccountability: { role: 'discipline', data: { decisionId: 'd1', reason: '申诉成立', appealOutcome: '撤销' } },
};

export const isEvents = (decision: unknown): decision is LedgerEvent[] => Array.isArray(decision);
