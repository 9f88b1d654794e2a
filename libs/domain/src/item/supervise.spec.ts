import { command, DUE, ev, given, ITEM, STAGE_HISTORIES } from './spec-fixtures';

const reopened = (previousStatus: 'concluded' | 'struck_off') => ({
  type: 'ItemReopened' as const,
  data: { itemId: ITEM, reason: '群众反映问题反弹', previousStatus },
});

describe('督责 supervise', () => {
  describe('UrgeItem', () => {
    it('urges an open item at any level, with channel and note', () => {
      for (const level of ['reminder', 'urge', 'notice', 'listed'] as const) {
        given(STAGE_HISTORIES.reported)
          .when(command('UrgeItem', { role: 'discipline', data: { level, note: '请加快进度' } }))
          .then([{ type: 'ItemUrged', data: { itemId: ITEM, level, channel: '电话', note: '请加快进度' } }]);
      }
    });
    it('rejects an unknown level', () => {
      given(STAGE_HISTORIES.assigned)
        .when(command('UrgeItem', { data: { level: 'shout' } }))
        .thenRejects('INVALID_URGE_LEVEL');
    });
    it('rejects urging a concluded, struck-off or withdrawn item', () => {
      given(STAGE_HISTORIES.concluded).when(command('UrgeItem')).thenRejects('ITEM_CLOSED');
      given(STAGE_HISTORIES.struck_off).when(command('UrgeItem')).thenRejects('ITEM_CLOSED');
      given(STAGE_HISTORIES.withdrawn).when(command('UrgeItem')).thenRejects('ITEM_WITHDRAWN');
    });
  });

  describe('ReturnCompletion 退回', () => {
    it('returns a reported item to in_progress', () => {
      given(STAGE_HISTORIES.reported)
        .when(command('ReturnCompletion'))
        .then([{ type: 'CompletionReturned', data: { itemId: ITEM, reason: '佐证材料不全' } }]);
      expect(given([...STAGE_HISTORIES.reported, { type: 'CompletionReturned', data: { itemId: ITEM, reason: 'r' } }]).state.status).toBe('in_progress');
    });
    it('needs a reported item and a reason', () => {
      given(STAGE_HISTORIES.in_progress).when(command('ReturnCompletion')).thenRejects('ITEM_NOT_REPORTED');
      given(STAGE_HISTORIES.reported)
        .when(command('ReturnCompletion', { data: { reason: '' } }))
        .thenRejects('REASON_REQUIRED');
    });
  });

  describe('ConcludeItem 办结', () => {
    const concluded = (concludedOn: string, dueDate: string, onTime: boolean) => ({
      type: 'ItemConcluded' as const,
      data: { itemId: ITEM, note: '经核实已完成', concludedOn, dueDate, onTime },
    });
    it('concludes on time on or before the due date', () => {
      given(STAGE_HISTORIES.reported)
        .when(command('ConcludeItem', { today: DUE }))
        .then([concluded(DUE, DUE, true)]);
    });
    it('concludes late after the due date', () => {
      given(STAGE_HISTORIES.reported)
        .when(command('ConcludeItem', { today: '2026-03-21' }))
        .then([concluded('2026-03-21', DUE, false)]);
    });
    it('measures on-time against the due date in force after an extension', () => {
      const history = [ev.assigned, ev.extensionRequested(), ev.extensionGranted(), ev.acknowledged, ev.completionReported];
      given(history)
        .when(command('ConcludeItem', { today: '2026-03-25' }))
        .then([concluded('2026-03-25', '2026-03-31', true)]);
    });
    it('needs a reported item', () => {
      given(STAGE_HISTORIES.assigned).when(command('ConcludeItem')).thenRejects('ITEM_NOT_REPORTED');
    });
  });

  describe('StrikeOffItem 销号', () => {
    it('strikes off a concluded item', () => {
      given(STAGE_HISTORIES.concluded)
        .when(command('StrikeOffItem'))
        .then([{ type: 'ItemStruckOff', data: { itemId: ITEM, note: '核验无误' } }]);
    });
    it('only from concluded', () => {
      given(STAGE_HISTORIES.reported).when(command('StrikeOffItem')).thenRejects('ITEM_NOT_CONCLUDED');
      given(STAGE_HISTORIES.struck_off).when(command('StrikeOffItem')).thenRejects('ITEM_ALREADY_STRUCK_OFF');
    });
  });

  describe('ReopenItem 重新挂账', () => {
    it('reopens a concluded or struck-off item to in_progress, naming where it came from', () => {
      given(STAGE_HISTORIES.concluded)
        .when(command('ReopenItem'))
        .then([reopened('concluded')]);
      given(STAGE_HISTORIES.struck_off)
        .when(command('ReopenItem', { role: 'inspector' }))
        .then([reopened('struck_off')]);
      const { state } = given([...STAGE_HISTORIES.struck_off, reopened('struck_off')]);
      expect(state.status).toBe('in_progress');
      expect('conclusion' in state).toBe(false);
    });
    it('only from concluded or struck off, with a reason', () => {
      given(STAGE_HISTORIES.reported).when(command('ReopenItem')).thenRejects('ITEM_NOT_CLOSED');
      given(STAGE_HISTORIES.concluded)
        .when(command('ReopenItem', { data: { reason: '' } }))
        .thenRejects('REASON_REQUIRED');
    });
  });

  describe('RecordDeadlineMissed 逾期', () => {
    const after = '2026-03-21';
    it('records the due date in force once it has passed', () => {
      given(STAGE_HISTORIES.in_progress)
        .when(command('RecordDeadlineMissed', { today: after }))
        .then([ev.deadlineMissed()]);
    });
    it('not on the due date itself, nor before', () => {
      given(STAGE_HISTORIES.in_progress)
        .when(command('RecordDeadlineMissed', { today: DUE }))
        .thenRejects('DEADLINE_NOT_PASSED');
      given(STAGE_HISTORIES.in_progress).when(command('RecordDeadlineMissed')).thenRejects('DEADLINE_NOT_PASSED');
    });
    it('at most once per due date', () => {
      given([...STAGE_HISTORIES.in_progress, ev.deadlineMissed()])
        .when(command('RecordDeadlineMissed', { today: '2026-03-28' }))
        .thenRejects('DEADLINE_ALREADY_RECORDED');
    });
    it('again for a new due date: a request made in time, granted after the first date passed', () => {
      const history = [ev.assigned, ev.extensionRequested(), ev.deadlineMissed(), ev.extensionGranted()];
      given(history)
        .when(command('RecordDeadlineMissed', { today: '2026-03-25' }))
        .thenRejects('DEADLINE_NOT_PASSED');
      given(history)
        .when(command('RecordDeadlineMissed', { today: '2026-04-01' }))
        .then([ev.deadlineMissed('2026-03-31')]);
      given([...history, ev.deadlineMissed('2026-03-31')])
        .when(command('RecordDeadlineMissed', { today: '2026-04-02' }))
        .thenRejects('DEADLINE_ALREADY_RECORDED');
    });
    it('after a reopening, for a due date not yet recorded', () => {
      const history = [...STAGE_HISTORIES.concluded, reopened('concluded')];
      given(history)
        .when(command('RecordDeadlineMissed', { today: after }))
        .then([ev.deadlineMissed()]);
    });
    it('never for an item concluded in time, but for one concluded late', () => {
      given(STAGE_HISTORIES.concluded)
        .when(command('RecordDeadlineMissed', { today: after }))
        .thenRejects('ITEM_CONCLUDED_ON_TIME');
      given([ev.assigned, ev.acknowledged, ev.completionReported, ev.concludedLate])
        .when(command('RecordDeadlineMissed', { today: '2026-03-23' }))
        .then([ev.deadlineMissed()]);
    });
    it('never for a struck-off or withdrawn item', () => {
      given(STAGE_HISTORIES.struck_off)
        .when(command('RecordDeadlineMissed', { today: after }))
        .thenRejects('ITEM_CLOSED');
      given(STAGE_HISTORIES.withdrawn)
        .when(command('RecordDeadlineMissed', { today: after }))
        .thenRejects('ITEM_WITHDRAWN');
    });
  });
});
