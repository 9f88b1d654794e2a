import { fold } from '../registry';
import { isRejection } from '../shared/decider';
import { ITEM_COMMAND_TYPES, type ItemCommandType } from './commands';
import { itemDecider } from './decide';
import type { ItemEvent } from './evolve';
import { command, ev, STAGE_HISTORIES, STAGES } from './spec-fixtures';
import type { ItemState } from './state';

type Command = Exclude<ItemCommandType, 'AssignItem'>;
type Stage = 'assigned' | 'in_progress' | 'reported' | 'concluded' | 'struck_off' | 'withdrawn';

/**
 * The oracle, read from DOMAIN.md's "A checklist item's life" and written by stage, not by command:
 * what each stage lets happen and the stage it leads to. It is not the implementation's table
 * (policies.ts, by command) turned around; where the two disagree, one of them is wrong.
 */
const followUp = (stage: Stage): Partial<Record<Command, Stage>> => ({
  // 追责 follows the facts whatever the item's stage, struck off included: a record, not a transition.
  ReferAccountability: stage,
  DecideAccountability: stage,
  RevokeAccountability: stage,
});
const stillOpen = (stage: 'assigned' | 'in_progress' | 'reported'): Partial<Record<Command, Stage>> => ({
  // 定责: the issuer may reassign, decide a pending extension or withdraw (已撤销, terminal) an open item.
  ReassignItem: stage,
  GrantExtension: stage,
  RefuseExtension: stage,
  WithdrawItem: 'withdrawn',
  // 督责: an open item can be urged, and its passed deadline recorded.
  UrgeItem: stage,
  RecordDeadlineMissed: stage,
  // the escalation ladder presses the unit until it reports (the review that follows is not its delay)
  ...(stage === 'reported' ? {} : { EscalateItem: stage }),
  ...followUp(stage),
});
const LIFECYCLE: Record<Stage, Partial<Record<Command, Stage>>> = {
  // 已交办: the unit acknowledges it (签收), reports progress (办理中) or completion (已反馈); it may ask for more time.
  assigned: {
    ...stillOpen('assigned'),
    AcknowledgeItem: 'in_progress',
    ReportProgress: 'in_progress',
    ReportCompletion: 'reported',
    RequestExtension: 'assigned',
  },
  // 办理中: acknowledged already; it goes on reporting, or asks for more time.
  in_progress: { ...stillOpen('in_progress'), ReportProgress: 'in_progress', ReportCompletion: 'reported', RequestExtension: 'in_progress' },
  // 已反馈: the result awaits review: a reviewer returns it (back to 办理中) or accepts it (已办结); the unit waits.
  reported: { ...stillOpen('reported'), ReturnCompletion: 'in_progress', ConcludeItem: 'concluded' },
  // 已办结: verified and struck off (已销号), or reopened (重新挂账); a deadline passed after a late conclusion is still recorded.
  concluded: { StrikeOffItem: 'struck_off', ReopenItem: 'in_progress', ...followUp('concluded') },
  // 已销号: terminal, unless reopened.
  struck_off: { ReopenItem: 'in_progress', ...followUp('struck_off') },
  // 已撤销: terminal. It ends the work, not the accountability already decided: a decision recorded before
  // the withdrawal can still be revoked on appeal (申诉); nothing new is referred or decided on it.
  withdrawn: { RevokeAccountability: 'withdrawn' },
};

/** What a stage that does not let a command through answers: the rule the command breaks. */
function refusal(type: Command, stage: Stage | 'unassigned'): string {
  if (stage === 'unassigned') return 'ITEM_NOT_FOUND';
  if (stage === 'withdrawn') return 'ITEM_WITHDRAWN';
  const closed = stage === 'concluded' || stage === 'struck_off';
  switch (type) {
    case 'StrikeOffItem':
      return stage === 'struck_off' ? 'ITEM_ALREADY_STRUCK_OFF' : 'ITEM_NOT_CONCLUDED';
    case 'ReopenItem':
      return 'ITEM_NOT_CLOSED';
    case 'RecordDeadlineMissed':
      // the concluded example was concluded on time (see supervise.spec for a late one)
      return stage === 'concluded' ? 'ITEM_CONCLUDED_ON_TIME' : 'ITEM_CLOSED';
    default:
      if (closed) return 'ITEM_CLOSED';
      if (type === 'AcknowledgeItem') return 'ITEM_ALREADY_ACKNOWLEDGED';
      if (type === 'ReturnCompletion' || type === 'ConcludeItem') return 'ITEM_NOT_REPORTED';
      return 'ITEM_AWAITING_REVIEW';
  }
}

const COMMANDS: Command[] = [
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
];

/** The expected outcome: the stage the item ends in (lower case) or the rejection code (upper case). */
function expectedOutcome(type: Command, stage: string): string {
  if (stage === 'unassigned') return refusal(type, stage);
  return LIFECYCLE[stage as Stage][type] ?? refusal(type, stage as Stage);
}

/** What a command needs besides the stage: a pending request, a recorded decision, a passed deadline. */
const PREREQUISITES: Partial<Record<ItemCommandType, { events?: ItemEvent[]; today?: string }>> = {
  GrantExtension: { events: [ev.extensionRequested()] },
  RefuseExtension: { events: [ev.extensionRequested()] },
  RevokeAccountability: { events: [ev.decided('d1')] },
  RecordDeadlineMissed: { today: '2026-03-25' },
  EscalateItem: { today: '2026-03-25' },
};

function historyFor(stage: string, type: ItemCommandType): ItemEvent[] {
  const [first, ...rest] = STAGE_HISTORIES[stage];
  if (!first) return [];
  return [first, ...(PREREQUISITES[type]?.events ?? []), ...rest];
}

const cases = COMMANDS.flatMap((type) => STAGES.map((stage) => ({ type, stage, expected: expectedOutcome(type, stage) })));

describe('item transition table', () => {
  it('covers every stage for every command but AssignItem', () => {
    expect(STAGES).toEqual(['unassigned', 'assigned', 'in_progress', 'reported', 'concluded', 'struck_off', 'withdrawn']);
    expect([...COMMANDS].sort()).toEqual(ITEM_COMMAND_TYPES.filter((t) => t !== 'AssignItem').sort());
    expect(cases).toHaveLength(18 * 7);
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
