/**
 * The item view as of the head of the log is the current item view, field by field,
 * for every item of a county whose history holds every event type. The live-vs-rebuild comparisons
 * cannot see a fold that both the projector and its rebuild get wrong; this one compares the two read
 * paths (current read models, temporal versions) against each other, on SQLite and on PostgreSQL (each
 * engine's migrations and raw reads). Plus a hand-counted case: one decision recorded then revoked on
 * appeal shows 1 before the revocation and 0 after it.
 */
import { EVENT_TYPES } from '@ledger/contracts/events';
import { cadreDecider, cadreStream, type CadreCommand, type CadreState } from '@ledger/domain';
import { openEventStore } from '@ledger/platform';
import { startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import type { StoredEvent } from '@ledger/event-store';
import { CommandLoop, handleCommand } from '@ledger/application';
import { DeadlineWorker } from '../apps/api/src/deadlines/deadline-worker';
import { nineAm, startLedger, type Ledger } from './support/ledger';

const ITEM_IDS = ['I1', 'I2', 'I3', 'I4', 'I5'];
const EVIDENCE = [{ name: '会议记录.pdf', size: 1024, sha256: 'a'.repeat(64) }];
const decision = (cadreId: string, decidedOn: string) => ({
  target: { kind: 'cadre', id: cadreId },
  form: 'admonishment',
  dispositionForm: 1,
  decidedBy: '中共湟源县纪律检查委员会',
  decidedOn,
  documentNo: '湟纪诫〔2026〕1号',
  effectMonths: 6,
  reason: '履职不力',
});

async function allEvents(ledger: Ledger): Promise<StoredEvent[]> {
  const store = await openEventStore(ledger.config);
  try {
    const out: StoredEvent[] = [];
    for (
      let page = await store.readAll({ after: 0n, limit: 1000 });
      page.length;
      page = await store.readAll({ after: page[page.length - 1].position, limit: 1000 })
    ) {
      out.push(...page);
    }
    return out;
  } finally {
    await store.close();
  }
}

/** A cadre leaves (no route does this): through the app's command path, as a route's handler would. */
async function cadreLeaves(ledger: Ledger, cadreId: string): Promise<void> {
  const outcome = await handleCommand<CadreCommand, CadreState>(
    ledger.app.get(CommandLoop),
    {
      name: 'LeaveCadre',
      stream: cadreStream(cadreId),
      decider: cadreDecider,
      mode: 'existing',
      id: cadreId,
      build: (_folded, context) => ({ type: 'LeaveCadre', context, data: { cadreId, reason: '退休' } }),
    },
    {
      actor: { userId: 'org-dept-1', role: 'org_dept', unitId: null },
      correlationId: `leave-${cadreId}`,
      commandId: `leave-${cadreId}`,
      idempotencyKey: null,
      ifMatch: null,
    },
  );
  if (outcome.kind !== 'appended') throw new Error(`LeaveCadre: ${outcome.kind}`);
}

/** Every event type, over 2026-03-02 … 2026-03-12 at 09:00 county time. */
async function scriptCounty(ledger: Ledger): Promise<void> {
  const org = ledger.as('org_dept');
  const inspector = ledger.as('inspector');
  const discipline = ledger.as('discipline');
  const unit = (id: string) => ledger.as('unit', id);

  ledger.setDay('2026-03-02');
  await org.post('/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }, 201);
  await org.post('/units', { id: 'T1', name: '和平乡党委', kind: 'township_committee', parentId: 'C' }, 201);
  await org.post('/units', { id: 'T2', name: '申中乡党委', kind: 'township_committee', parentId: 'C' }, 201);
  for (const [id, name, parentId] of [
    ['V1', '茶曲村党支部', 'T1'],
    ['V2', '莫布拉村党支部', 'T2'],
    ['V3', '前沟村党支部', 'T2'],
  ]) {
    await org.post('/units', { id, name, kind: 'branch', parentId }, 201);
  }
  for (const [id, name, unitId] of [
    ['K1', '张三', 'V1'],
    ['K2', '李四', 'V2'],
    ['K3', '王五', 'T1'],
    ['K4', '赵六', 'V3'],
  ]) {
    await org.post('/cadres', { id, name, unitId, post: '书记' }, 201);
  }
  await org.post('/sheets', { id: 's1', number: '湟组交〔2026〕9号', title: '第一季度基层党建任务', issuedOn: '2026-03-02' }, 201);
  const assign = (id: string, unitId: string, cadreId: string, dueDate: string) =>
    org.post('/items', { id, sheetId: 's1', title: `事项${id}`, requirements: '按时完成', unitId, cadreId, leaderId: 'K3', dueDate }, 201);
  await assign('I1', 'V1', 'K1', '2026-03-20');
  await assign('I2', 'V2', 'K2', '2026-03-25');
  await assign('I3', 'V2', 'K2', '2026-03-04');
  await assign('I4', 'V1', 'K1', '2026-03-30');
  await assign('I5', 'V1', 'K1', '2026-03-30');

  ledger.setDay('2026-03-03');
  await unit('V1').post('/items/I1/acknowledge', {}, 200);
  await unit('V1').post('/items/I1/progress', { note: '已召开专题会', evidence: EVIDENCE }, 200);
  await unit('V1').post('/items/I1/extension/request', { newDueDate: '2026-04-10', reason: '冬季施工受限' }, 200);
  await org.post('/items/I1/extension/grant', { note: '同意' }, 200);
  await unit('V1').post('/items/I1/extension/request', { newDueDate: '2026-04-30', reason: '再次受限' }, 200);
  await org.post('/items/I1/extension/refuse', { reason: '理由不充分' }, 200);
  await inspector.post('/items/I1/urge', { level: 'reminder' }, 200);
  await discipline.post('/items/I1/urge', { level: 'notice', channel: '电话' }, 200);
  await org.post('/units/V1/rename', { name: '茶曲村党总支' }, 200);
  await org.post('/cadres/K2/transfer', { unitId: 'V2', post: '委员' }, 200);

  ledger.setDay('2026-03-05');
  await unit('V1').post('/items/I1/complete', { summary: '已完成', evidence: EVIDENCE }, 200);
  await inspector.post('/items/I1/return', { reason: '材料不全' }, 200);
  await unit('V1').post('/items/I1/complete', { summary: '已补充' }, 200);
  await inspector.post('/items/I1/conclude', { note: '同意办结' }, 200);
  await org.post('/items/I1/strike-off', { note: '核验销号' }, 200);
  await org.post('/items/I1/reopen', { reason: '问题反弹' }, 200);
  await org.post('/items/I3/reassign', { unitId: 'V1', cadreId: 'K1', reason: '属地调整' }, 200);
  // The read models nominate the deadline worker's candidates: let them catch up first.
  await org.get('/items/I3');
  const missed = await ledger.app.get(DeadlineWorker).runOnce('2026-03-05');
  expect(missed.missed).toBe(1);
  // I3, due 03-04, is a day over: the ladder's first step (提醒, 0 days) is its ItemEscalated.
  expect(missed.escalated).toBe(1);

  ledger.setDay('2026-03-06');
  await inspector.post('/items/I1/accountability/refer', { target: { kind: 'cadre', id: 'K1' }, to: 'discipline', note: '建议问责' }, 200);
  const d1 = (await discipline.post('/items/I1/accountability/decide', decision('K1', '2026-03-06'), 200)).body.id as string;
  await discipline.post('/items/I1/accountability/decide', { ...decision('K1', '2026-03-06'), form: 'circulated_criticism' }, 200);
  await org.post(`/items/I1/accountability/${d1}/revoke`, { reason: '申诉成立', appealOutcome: '撤销诫勉' }, 200);
  // A second revocation of the same decision is refused: it must not be counted twice either.
  await org.post(`/items/I1/accountability/${d1}/revoke`, { reason: '再次申诉' }, 409);
  const d3 = (await discipline.post('/items/I2/accountability/decide', decision('K2', '2026-03-06'), 200)).body.id as string;
  await org.post('/items/I2/withdraw', { reason: '重复交办' }, 200);
  // The withdrawal ends the work, not the decision already recorded: its appeal is still recorded; nothing new is decided.
  const late = await discipline.post('/items/I2/accountability/decide', decision('K2', '2026-03-06'), 409);
  expect(late.body.code).toBe('ITEM_WITHDRAWN');
  await discipline.post(`/items/I2/accountability/${d3}/revoke`, { reason: '申诉成立', appealOutcome: '撤销诫勉' }, 200);
  await unit('V1').post('/items/I4/complete', { summary: '已完成' }, 200);
  await inspector.post('/items/I4/conclude', {}, 200);

  ledger.setDay('2026-03-09');
  await org.post('/units/V2/move', { parentId: 'T1' }, 200);
  await org.post('/units/V3/dissolve', { reason: '村党支部合并' }, 200);
  await cadreLeaves(ledger, 'K4');
  await unit('V1').post('/items/I5/acknowledge', {}, 200);
  // Accounts: every account event type, by the administrators whose duty each is.
  const sys = ledger.as('sysadmin', undefined, { sub: 'acc-sys' });
  const sec = ledger.as('secadmin', undefined, { sub: 'acc-sec' });
  await sys.post('/accounts', { id: 'A1', login: 'li.jiwei', name: '李纪委', roles: ['discipline'] }, 201);
  await sec.post('/accounts/A1/grant', { role: 'unit', unitId: 'V1' }, 200);
  await sec.post('/accounts/A1/revoke', { role: 'unit' }, 200);
  await sec.post('/accounts/A1/lock', { reason: '离岗' }, 200);
  await sec.post('/accounts/A1/unlock', {}, 200);
  await sec.post('/accounts/A1/reset-password', {}, 200);
  await sec.post('/accounts/A1/close', { reason: '调离' }, 200);
}

function headComparison(engine: string, open: () => Promise<Ledger>, stop: () => Promise<void> = async () => undefined): void {
  describe(`as of the head, every item is its current view (${engine})`, () => {
    let ledger: Ledger;
    beforeAll(async () => {
      ledger = await open();
      await scriptCounty(ledger);
    }, 180_000);
    afterAll(async () => {
      await ledger?.close();
      await stop();
    });

    it('holds every event type, and every item field agrees both ways', async () => {
      const events = await allEvents(ledger);
      const seen = new Set(events.map((e) => e.type));
      expect(EVENT_TYPES.filter((t) => !seen.has(t))).toEqual([]);

      const head = events[events.length - 1].recordedAt;
      // After the head (as-of now answers from the current models, which would compare them with themselves), the same county day.
      ledger.clock.set(new Date(Date.parse(head) + 3_600_000).toISOString());
      const inspector = ledger.as('inspector');
      for (const id of ITEM_IDS) {
        const now = await inspector.get(`/items/${id}`, 200, { minPosition: events[events.length - 1].position.toString() });
        const then = await inspector.get(`/items/${id}?asOf=${encodeURIComponent(head)}`, 200);
        expect({ id, view: then.body }).toEqual({ id, view: now.body });
      }
      // The fold's answer checked by hand: I1 had two decisions and one revoked; I2 one, revoked after the withdrawal.
      const counts = await Promise.all(
        ['I1', 'I2'].map(async (id) => (await inspector.get(`/items/${id}?asOf=${encodeURIComponent(head)}`, 200)).body.accountabilityCount),
      );
      expect(counts).toEqual([1, 0]);
      const register = (await inspector.get('/accountability', 200)).body as Array<{ itemId: string; revoked: boolean }>;
      expect(register.map((r) => [r.itemId, r.revoked]).sort()).toEqual([
        ['I1', false],
        ['I1', true],
        ['I2', true],
      ]);
    });
  });
}

headComparison('SQLite', () => startLedger({ engine: 'sqlite' }));
let server: TestPostgres | undefined;
headComparison(
  'PostgreSQL',
  async () => {
    server = await startTestPostgres();
    return startLedger({ engine: 'postgres', postgres: server });
  },
  async () => server?.stop(),
);

describe('a decision revoked on appeal, as of before and after the revocation', () => {
  let ledger: Ledger;
  afterAll(() => ledger?.close());

  it('counts 1 as of the day between, 0 as of the revocation', async () => {
    ledger = await startLedger({ engine: 'sqlite' });
    const org = ledger.as('org_dept');
    const discipline = ledger.as('discipline');
    await org.post('/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }, 201);
    await org.post('/units', { id: 'V1', name: '茶曲村党支部', kind: 'branch', parentId: 'C' }, 201);
    await org.post('/cadres', { id: 'K1', name: '张三', unitId: 'V1', post: '书记' }, 201);
    await org.post('/sheets', { id: 's1', number: '湟组交〔2026〕1号', title: '任务', issuedOn: '2026-03-02' }, 201);
    await org.post('/items', { id: 'I1', sheetId: 's1', title: '事项', unitId: 'V1', cadreId: 'K1', dueDate: '2026-03-20' }, 201);
    ledger.setDay('2026-03-03');
    const d1 = (await discipline.post('/items/I1/accountability/decide', decision('K1', '2026-03-03'), 200)).body.id as string;
    ledger.setDay('2026-03-05');
    await org.post(`/items/I1/accountability/${d1}/revoke`, { reason: '申诉成立', appealOutcome: '撤销' }, 200);
    ledger.setDay('2026-03-06');

    const count = async (asOf: string) => (await org.get(`/items/I1?asOf=${encodeURIComponent(asOf)}`, 200)).body.accountabilityCount;
    expect(await count(nineAm('2026-03-02'))).toBe(0);
    expect(await count(nineAm('2026-03-04'))).toBe(1);
    expect(await count(nineAm('2026-03-05'))).toBe(0);
    expect((await org.get('/items/I1', 200)).body.accountabilityCount).toBe(0);
  }, 60_000);
});
