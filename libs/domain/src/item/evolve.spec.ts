import { ev, given, ITEM, STAGE_HISTORIES } from './spec-fixtures';

describe('item evolve', () => {
  it('keeps the original due date and counts granted extensions', () => {
    const { state } = given([ev.assigned, ev.extensionRequested(), ev.extensionGranted()]);
    expect(state).toMatchObject({ status: 'assigned', dueDate: '2026-03-31', originalDueDate: '2026-03-20', extensionsGranted: 1, pendingExtension: null });
  });
  it('records the conclusion with the due date in force', () => {
    expect(given(STAGE_HISTORIES.concluded).state).toMatchObject({
      status: 'concluded',
      conclusion: { concludedOn: '2026-03-10', dueDate: '2026-03-20', onTime: true },
    });
    expect(given(STAGE_HISTORIES.struck_off).state).toMatchObject({ status: 'struck_off', conclusion: { onTime: true } });
  });
  it('drops a pending extension on withdrawal, keeping the reason', () => {
    expect(given([ev.assigned, ev.extensionRequested(), ev.withdrawn]).state).toMatchObject({
      status: 'withdrawn',
      pendingExtension: null,
      reason: '任务调整',
    });
  });
  it('reassignment changes unit and cadre, not the stage', () => {
    const { state } = given([
      ...STAGE_HISTORIES.reported,
      { type: 'ItemReassigned', data: { itemId: ITEM, unitId: 'u2', cadreId: 'c2', previousUnitId: 'chaqu', previousCadreId: 'cadre-1', reason: 'r' } },
    ]);
    expect(state).toMatchObject({ status: 'reported', unitId: 'u2', cadreId: 'c2' });
  });
  it('ignores item events on an empty stream and leaves urges and referrals out of the state', () => {
    expect(given([ev.acknowledged, ev.completionReported]).state).toEqual({ status: 'unassigned' });
    const before = given(STAGE_HISTORIES.in_progress).state;
    const after = given([...STAGE_HISTORIES.in_progress, { type: 'ItemUrged', data: { itemId: ITEM, level: 'listed', channel: null, note: null } }]).state;
    expect(after).toEqual(before);
  });
  it('records each missed due date once', () => {
    const { state } = given([ev.assigned, ev.deadlineMissed(), ev.deadlineMissed()]);
    expect(state.status !== 'unassigned' && state.missedDueDates).toEqual(['2026-03-20']);
  });
});
