import { ROLES, type ActorRole } from '@ledger/contracts/events';
import { fold } from '../registry';
import { isRejection } from '../shared/decider';
import type { ItemCommandType } from './commands';
import { itemDecider } from './decide';
import type { ItemEvent } from './evolve';
import { command, ev, given, STAGE_HISTORIES } from './spec-fixtures';

/** API.md's "who" column, restated here so that a change to the roles in code has to change this too. */
const WHO: Record<ItemCommandType, ActorRole[]> = {
  AssignItem: ['org_dept'],
  AcknowledgeItem: ['unit'],
  ReportProgress: ['unit'],
  ReportCompletion: ['unit'],
  ReturnCompletion: ['inspector', 'org_dept'],
  ConcludeItem: ['inspector', 'org_dept'],
  StrikeOffItem: ['org_dept'],
  ReopenItem: ['org_dept', 'inspector'],
  UrgeItem: ['inspector', 'discipline', 'org_dept', 'system'],
  ReassignItem: ['org_dept'],
  RequestExtension: ['unit'],
  GrantExtension: ['org_dept'],
  RefuseExtension: ['org_dept'],
  WithdrawItem: ['org_dept'],
  ReferAccountability: ['inspector', 'org_dept', 'discipline'],
  DecideAccountability: ['discipline', 'org_dept'],
  RevokeAccountability: ['discipline', 'org_dept'],
  RecordDeadlineMissed: ['system'],
  EscalateItem: ['system'],
};

/** A stage in which each command goes through, so that only the role decides. */
const READY: Record<ItemCommandType, { history: ItemEvent[]; today?: string; data?: Record<string, unknown> }> = {
  AssignItem: { history: [] },
  AcknowledgeItem: { history: STAGE_HISTORIES.assigned },
  ReportProgress: { history: STAGE_HISTORIES.in_progress },
  ReportCompletion: { history: STAGE_HISTORIES.in_progress },
  ReturnCompletion: { history: STAGE_HISTORIES.reported },
  ConcludeItem: { history: STAGE_HISTORIES.reported },
  StrikeOffItem: { history: STAGE_HISTORIES.concluded },
  ReopenItem: { history: STAGE_HISTORIES.concluded },
  UrgeItem: { history: STAGE_HISTORIES.in_progress, data: { level: 'reminder' } },
  ReassignItem: { history: STAGE_HISTORIES.in_progress },
  RequestExtension: { history: STAGE_HISTORIES.in_progress },
  GrantExtension: { history: [ev.assigned, ev.extensionRequested()] },
  RefuseExtension: { history: [ev.assigned, ev.extensionRequested()] },
  WithdrawItem: { history: STAGE_HISTORIES.in_progress },
  ReferAccountability: { history: STAGE_HISTORIES.in_progress },
  DecideAccountability: { history: STAGE_HISTORIES.in_progress },
  RevokeAccountability: { history: [ev.assigned, ev.decided('d1')] },
  RecordDeadlineMissed: { history: STAGE_HISTORIES.in_progress, today: '2026-03-21' },
  EscalateItem: { history: STAGE_HISTORIES.in_progress, today: '2026-03-23' },
};

const ALL_ROLES: ActorRole[] = [...ROLES, 'system'];
const cases = (Object.keys(WHO) as ItemCommandType[]).flatMap((type) => ALL_ROLES.map((role) => ({ type, role, allowed: WHO[type].includes(role) })));

describe('who may act on an item', () => {
  it.each(cases)('$type by $role: allowed=$allowed', ({ type, role, allowed }) => {
    const ready = READY[type];
    const decision = itemDecider.decide(command(type, { role, today: ready.today, data: ready.data }), fold(itemDecider, ready.history));
    if (allowed) expect(isRejection(decision) ? decision.code : 'events').toBe('events');
    else expect(isRejection(decision) && { code: decision.code, forbidden: decision.forbidden }).toEqual({ code: 'ROLE_NOT_ALLOWED', forbidden: true });
  });

  describe('a unit user acts only inside its subtree', () => {
    const unitCommands = ['AcknowledgeItem', 'ReportProgress', 'ReportCompletion', 'RequestExtension'] as const;
    it.each(unitCommands)('%s outside the subtree is OUT_OF_SCOPE (403)', (type) => {
      given(READY[type].history)
        .when(command(type, { facts: { inActorScope: false } }))
        .thenRejects('OUT_OF_SCOPE', { forbidden: true });
    });
    it.each(unitCommands)('%s without the scope fact is OUT_OF_SCOPE: the application must resolve it', (type) => {
      const c = command(type);
      delete c.facts;
      given(READY[type].history).when(c).thenRejects('OUT_OF_SCOPE', { forbidden: true });
    });
    it('answers OUT_OF_SCOPE before anything about the item’s stage, so other units learn nothing', () => {
      given(STAGE_HISTORIES.concluded)
        .when(command('AcknowledgeItem', { facts: { inActorScope: false } }))
        .thenRejects('OUT_OF_SCOPE');
    });
    it('ignores scope for county-level roles', () => {
      given(STAGE_HISTORIES.reported)
        .when(command('ConcludeItem', { facts: { inActorScope: false } }))
        .then([{ type: 'ItemConcluded', data: { itemId: 'item-1', note: '经核实已完成', concludedOn: '2026-03-10', dueDate: '2026-03-20', onTime: true } }]);
    });
  });

  it('a unit can never conclude, even its own item', () => {
    given(STAGE_HISTORIES.reported)
      .when(command('ConcludeItem', { role: 'unit' }))
      .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
  });

  it('inspectors may not record accountability decisions; discipline may not reassign', () => {
    given(STAGE_HISTORIES.in_progress)
      .when(command('DecideAccountability', { role: 'inspector' }))
      .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
    given(STAGE_HISTORIES.in_progress)
      .when(command('ReassignItem', { role: 'discipline' }))
      .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
  });

  it('the system sends reminders only', () => {
    given(STAGE_HISTORIES.in_progress)
      .when(command('UrgeItem', { role: 'system', data: { level: 'reminder', channel: null } }))
      .then([{ type: 'ItemUrged', data: { itemId: 'item-1', level: 'reminder', channel: null, note: null } }]);
    for (const level of ['urge', 'notice', 'listed']) {
      given(STAGE_HISTORIES.in_progress)
        .when(command('UrgeItem', { role: 'system', data: { level } }))
        .thenRejects('URGE_LEVEL_NOT_ALLOWED', { forbidden: true });
    }
  });
});
