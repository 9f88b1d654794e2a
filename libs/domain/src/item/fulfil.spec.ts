import { command, ev, given, ITEM, STAGE_HISTORIES } from './spec-fixtures';

const evidence = [{ name: '换届选举结果.pdf', size: 20480, sha256: 'a'.repeat(64) }];

describe('履责 fulfil', () => {
  describe('AcknowledgeItem 签收', () => {
    it('acknowledges an assigned item for its handling unit', () => {
      given(STAGE_HISTORIES.assigned).when(command('AcknowledgeItem')).then([ev.acknowledged]);
    });
    it('acknowledges only once', () => {
      given(STAGE_HISTORIES.in_progress).when(command('AcknowledgeItem')).thenRejects('ITEM_ALREADY_ACKNOWLEDGED');
    });
  });

  describe('ReportProgress', () => {
    it('reports progress with evidence while in progress', () => {
      given(STAGE_HISTORIES.in_progress)
        .when(command('ReportProgress', { data: { evidence } }))
        .then([{ type: 'ProgressReported', data: { itemId: ITEM, note: '已召开支委会', evidence } }]);
    });
    it('moves an assigned item to in_progress', () => {
      const { state } = given([ev.assigned, { type: 'ProgressReported', data: { itemId: ITEM, note: 'n', evidence: [] } }]);
      expect(state.status).toBe('in_progress');
      given(STAGE_HISTORIES.assigned)
        .when(command('ReportProgress'))
        .then([{ type: 'ProgressReported', data: { itemId: ITEM, note: '已召开支委会', evidence: [] } }]);
    });
    it('is refused once completion is reported', () => {
      given(STAGE_HISTORIES.reported).when(command('ReportProgress')).thenRejects('ITEM_AWAITING_REVIEW');
    });
    it('needs a note and well-formed evidence', () => {
      given(STAGE_HISTORIES.in_progress)
        .when(command('ReportProgress', { data: { note: '' } }))
        .thenRejects('NOTE_REQUIRED');
      given(STAGE_HISTORIES.in_progress)
        .when(command('ReportProgress', { data: { evidence: [{ name: 'x.pdf', size: 1, sha256: 'not-a-hash' }] } }))
        .thenRejects('INVALID_EVIDENCE');
      given(STAGE_HISTORIES.in_progress)
        .when(command('ReportProgress', { data: { evidence: [{ name: 'x.pdf', size: -1, sha256: 'a'.repeat(64) }] } }))
        .thenRejects('INVALID_EVIDENCE');
    });
  });

  describe('ReportCompletion 反馈 (ticking it off)', () => {
    const completionReported = { type: 'CompletionReported' as const, data: { itemId: ITEM, summary: '已完成', evidence } };
    it('reports completion of an item in progress', () => {
      given(STAGE_HISTORIES.in_progress)
        .when(command('ReportCompletion', { data: { evidence } }))
        .then([completionReported]);
    });
    it('acknowledges an assigned item implicitly, recording both facts', () => {
      given(STAGE_HISTORIES.assigned)
        .when(command('ReportCompletion', { data: { evidence } }))
        .then([ev.acknowledged, completionReported]);
    });
    it('is refused when already reported, and needs a summary', () => {
      given(STAGE_HISTORIES.reported).when(command('ReportCompletion')).thenRejects('ITEM_AWAITING_REVIEW');
      given(STAGE_HISTORIES.in_progress)
        .when(command('ReportCompletion', { data: { summary: ' ' } }))
        .thenRejects('SUMMARY_REQUIRED');
    });
    it('puts the item in reported', () => {
      expect(given(STAGE_HISTORIES.reported).state.status).toBe('reported');
    });
  });
});
