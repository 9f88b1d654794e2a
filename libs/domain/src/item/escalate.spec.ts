import { command, DUE, ev, given, STAGE_HISTORIES } from './spec-fixtures';

// DUE is 2026-03-20: 3 county days after it is 2026-03-23, 7 is 03-27, 15 is 04-04.
const escalate = (today: string, step: number, level: string) => command('EscalateItem', { today, data: { step, level } });

describe('EscalateItem 逾期升级督办', () => {
  it('records the step reached, counted in county days from the due date in force', () => {
    given(STAGE_HISTORIES.assigned)
      .when(escalate('2026-03-20', 0, 'reminder'))
      .then([ev.escalated(0, 'reminder', 0)]);
    given(STAGE_HISTORIES.in_progress)
      .when(escalate('2026-03-23', 3, 'urge'))
      .then([ev.escalated(3, 'urge', 3)]);
    given(STAGE_HISTORIES.in_progress)
      .when(escalate('2026-04-04', 15, 'listed'))
      .then([ev.escalated(15, 'listed', 15)]);
  });
  it('not before its day', () => {
    given(STAGE_HISTORIES.in_progress)
      .when(escalate('2026-03-22', 3, 'urge'))
      .thenRejects('ESCALATION_NOT_DUE');
    given(STAGE_HISTORIES.in_progress)
      .when(escalate('2026-03-19', 0, 'reminder'))
      .thenRejects('ESCALATION_NOT_DUE');
  });
  it('once per level and due date, and never down the ladder', () => {
    const urged = [...STAGE_HISTORIES.in_progress, ev.escalated(3, 'urge', 3)];
    given(urged)
      .when(escalate('2026-03-25', 3, 'urge'))
      .thenRejects('ESCALATION_ALREADY_RECORDED');
    given(urged)
      .when(escalate('2026-03-25', 0, 'reminder'))
      .thenRejects('ESCALATION_ALREADY_RECORDED');
    given(urged)
      .when(escalate('2026-03-27', 7, 'notice'))
      .then([ev.escalated(7, 'notice', 7)]);
  });
  it('a worker that was off records the highest step reached (a late one says how late)', () => {
    given(STAGE_HISTORIES.in_progress)
      .when(escalate('2026-03-29', 7, 'notice'))
      .then([ev.escalated(7, 'notice', 9)]);
  });
  it('a granted extension restarts the ladder from its new due date', () => {
    const history = [ev.assigned, ev.extensionRequested(), ev.escalated(0, 'reminder', 0), ev.escalated(3, 'urge', 3), ev.extensionGranted()];
    given(history)
      .when(escalate('2026-03-31', 0, 'reminder'))
      .then([ev.escalated(0, 'reminder', 0, '2026-03-31')]);
    given(history)
      .when(escalate('2026-04-02', 3, 'urge'))
      .thenRejects('ESCALATION_NOT_DUE');
    given(history)
      .when(escalate('2026-04-03', 3, 'urge'))
      .then([ev.escalated(3, 'urge', 3, '2026-03-31')]);
  });
  it('a returned report takes the ladder up where it stood for the same due date', () => {
    const returned = { type: 'CompletionReturned' as const, data: { itemId: 'item-1', reason: '材料不全' } };
    const history = [...STAGE_HISTORIES.reported, returned, ev.escalated(3, 'urge', 3)];
    given(history)
      .when(escalate('2026-03-24', 3, 'urge'))
      .thenRejects('ESCALATION_ALREADY_RECORDED');
    given(history)
      .when(escalate('2026-03-27', 7, 'notice'))
      .then([ev.escalated(7, 'notice', 7)]);
  });
  it('stops once the unit has reported (awaiting review), and for concluded, struck-off and withdrawn items', () => {
    given(STAGE_HISTORIES.reported)
      .when(escalate('2026-03-23', 3, 'urge'))
      .thenRejects('ITEM_AWAITING_REVIEW');
    given(STAGE_HISTORIES.concluded)
      .when(escalate('2026-03-23', 3, 'urge'))
      .thenRejects('ITEM_CLOSED');
    given(STAGE_HISTORIES.struck_off)
      .when(escalate('2026-03-23', 3, 'urge'))
      .thenRejects('ITEM_CLOSED');
    given(STAGE_HISTORIES.withdrawn)
      .when(escalate('2026-03-23', 3, 'urge'))
      .thenRejects('ITEM_WITHDRAWN');
  });
  it('only the system escalates by the ladder; people urge (UrgeItem)', () => {
    given(STAGE_HISTORIES.in_progress)
      .when(command('EscalateItem', { role: 'inspector', today: '2026-03-23' }))
      .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
  });
  it('rejects an unknown level or a step that is not a whole number of days', () => {
    given(STAGE_HISTORIES.in_progress)
      .when(escalate('2026-03-23', 3, 'shout'))
      .thenRejects('INVALID_URGE_LEVEL');
    given(STAGE_HISTORIES.in_progress)
      .when(escalate('2026-03-23', -1, 'urge'))
      .thenRejects('INVALID_ESCALATION_STEP');
    given(STAGE_HISTORIES.in_progress)
      .when(escalate('2026-03-23', 1.5, 'urge'))
      .thenRejects('INVALID_ESCALATION_STEP');
  });
  it(`on the due date itself (${DUE}) the step 0 is due, the later ones not`, () => {
    given(STAGE_HISTORIES.in_progress)
      .when(escalate(DUE, 3, 'urge'))
      .thenRejects('ESCALATION_NOT_DUE');
  });
});
