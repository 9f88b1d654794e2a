import { fold } from '../registry';
import { isRejection } from '../shared/decider';
import type { ItemCommandType } from './commands';
import { itemDecider } from './decide';
import type { ItemEvent } from './evolve';
import { command, ev, STAGE_HISTORIES, STAGES } from './spec-fixtures';
import type { ItemState } from './state';

/**
 * The item's transition table, written out independently of the implementation: for every command
 * and every stage, either the stage the item ends in (lower case) or the rejection code (upper case).
 */
const NF = 'ITEM_NOT_FOUND';
const WD = 'ITEM_WITHDRAWN';
const CL = 'ITEM_CLOSED';
// prettier-ignore
const TABLE: Record<Exclude<ItemCommandType, 'AssignItem'>, [string, string, string, string, string, string, string]> = {
  //                      unassigned assigned         in_progress                  reported                     concluded                 struck_off                withdrawn
  ReassignItem:          [NF, 'assigned',             'in_progress',               'reported',                  CL,                       CL,                       WD],
  RequestExtension:      [NF, 'assigned',             'in_progress',               'ITEM_AWAITING_REVIEW',      CL,                       CL,                       WD],
  GrantExtension:        [NF, 'assigned',             'in_progress',               'reported',                  CL,                       CL,                       WD],
  RefuseExtension:       [NF, 'assigned',             'in_progress',               'reported',                  CL,                       CL,                       WD],
  WithdrawItem:          [NF, 'withdrawn',            'withdrawn',                 'withdrawn',                 CL,                       CL,                       WD],
  AcknowledgeItem:       [NF, 'in_progress',          'ITEM_ALREADY_ACKNOWLEDGED', 'ITEM_ALREADY_ACKNOWLEDGED', CL,                       CL,                       WD],
  ReportProgress:        [NF, 'in_progress',          'in_progress',               'ITEM_AWAITING_REVIEW',      CL,                       CL,                       WD],
  ReportCompletion:      [NF, 'reported',             'reported',                  'ITEM_AWAITING_REVIEW',      CL,                       CL,                       WD],
  UrgeItem:              [NF, 'assigned',             'in_progress',               'reported',                  CL,                       CL,                       WD],
  ReturnCompletion:      [NF, 'ITEM_NOT_REPORTED',    'ITEM_NOT_REPORTED',         'in_progress',               CL,                       CL,                       WD],
  ConcludeItem:          [NF, 'ITEM_NOT_REPORTED',    'ITEM_NOT_REPORTED',         'concluded',                 CL,                       CL,                       WD],
  StrikeOffItem:         [NF, 'ITEM_NOT_CONCLUDED',   'ITEM_NOT_CONCLUDED',        'ITEM_NOT_CONCLUDED',        'struck_off',             'ITEM_ALREADY_STRUCK_OFF', WD],
  ReopenItem:            [NF, 'ITEM_NOT_CLOSED',      'ITEM_NOT_CLOSED',           'ITEM_NOT_CLOSED',           'in_progress',            'in_progress',            WD],
  // the concluded example was concluded on time (see supervise.spec for a late one)
  RecordDeadlineMissed:  [NF, 'assigned',             'in_progress',               'reported',                  'ITEM_CONCLUDED_ON_TIME', CL,                       WD],
  ReferAccountability:   [NF, 'assigned',             'in_progress',               'reported',                  'concluded',              'struck_off',             WD],
  DecideAccountability:  [NF, 'assigned',             'in_progress',               'reported',                  'concluded',              'struck_off',             WD],
  RevokeAccountability:  [NF, 'assigned',             'in_progress',               'reported',                  'concluded',              'struck_off',             WD],
};

/** What a command needs besides the stage: a pending request, a recorded decision, a passed deadline. */
const PREREQUISITES: Partial<Record<ItemCommandType, { events?: ItemEvent[]; today?: string }>> = {
  GrantExtension: { events: [ev.extensionRequested()] },
  RefuseExtension: { events: [ev.extensionRequested()] },
  RevokeAccountability: { events: [ev.decided('d1')] },
  RecordDeadlineMissed: { today: '2026-03-25' },
};

function historyFor(stage: string, type: ItemCommandType): ItemEvent[] {
  const [first, ...rest] = STAGE_HISTORIES[stage];
  if (!first) return [];
  return [first, ...(PREREQUISITES[type]?.events ?? []), ...rest];
}

const cases = Object.entries(TABLE).flatMap(([type, row]) =>
  row.map((expected, i) => ({ type: type as Exclude<ItemCommandType, 'AssignItem'>, stage: STAGES[i], expected })),
);

describe('item transition table', () => {
  it('covers every stage for every command but AssignItem', () => {
    expect(STAGES).toEqual(['unassigned', 'assigned', 'in_progress', 'reported', 'concluded', 'struck_off', 'withdrawn']);
    expect(cases).toHaveLength(17 * 7);
  });

  it.each(cases)('$type on a $stage item → $expected', ({ type, stage, expected }) => {
    const history = historyFor(stage, type);
    const state = fold(itemDecider, history);
    const decision = itemDecider.decide(command(type, { today: PREREQUISITES[type]?.today }), state);
    if (expected === expected.toUpperCase()) {
      expect(isRejection(decision) && { code: decision.code, forbidden: decision.forbidden }).toEqual({ code: expected, forbidden: undefined });
    } else {
      expect(isRejection(decision) ? decision.code : 'events').toBe('events');
      const after = (decision as ItemEvent[]).reduce(itemDecider.evolve, state) as ItemState;
      expect(after.status).toBe(expected);
      expect((decision as ItemEvent[]).length).toBeGreaterThan(0);
    }
  });

  it('AssignItem creates an item only on an empty stream', () => {
    for (const stage of STAGES) {
      const decision = itemDecider.decide(command('AssignItem'), fold(itemDecider, STAGE_HISTORIES[stage]));
      if (stage === 'unassigned') expect(decision).toEqual([ev.assigned]);
      else expect(isRejection(decision) && decision.code).toBe('ITEM_ALREADY_EXISTS');
    }
  });
});
