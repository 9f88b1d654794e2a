/**
 * 星级化考核 over a small scripted county: five village branches, a first half-year, every deduction
 * worked out by hand (base 100; on-time closure 30 × share not on time; 5 per missed due date; 2 per
 * return; 10 per accountability decision; 5/4/3/2 stars at 90/80/70/60). Real SQLite, FixedClock,
 * the deadline process run on the days it would run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCsv } from '@ledger/sheets-io';
import { EVENT_STORE } from '../apps/api/src/platform/tokens';
import { FixedClock, loadConfig, signToken, type LedgerConfig } from '@ledger/platform';
import request from 'supertest';
import { createApp, inProcessProjector, type LedgerApp } from '../apps/api/src/create-app';
import { DeadlineWorker } from '../apps/api/src/deadlines/deadline-worker';

const SECRET = 'star-rating-secret-0123456789';
const nineAm = (date: string) => `${date}T01:00:00Z`;
const tok = (role: string, unitId: string | null = null) => signToken({ sub: `u-${role}-${unitId}`, role: role as 'org_dept', unitId, name: '测试' }, SECRET);

describe('star rating (星级化考核)', () => {
  let dataDir: string;
  let config: LedgerConfig;
  let clock: FixedClock;
  let app: LedgerApp;
  let http: ReturnType<typeof request>;
  const org = tok('org_dept');
  const u: Record<string, string> = {};
  let township: string;

  const post = async (p: string, body: object, token = org) => {
    const res = await http.post(`/api/v1${p}`).set('Authorization', `Bearer ${token}`).send(body);
    if (res.status >= 300) throw new Error(`${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; position: string };
  };
  const settle = async () => {
    const head = await app.get(EVENT_STORE).headPosition();
    if (!(await inProcessProjector(app)!.waitFor(head, 10_000))) throw new Error('projector behind');
  };
  const on = async (date: string, runWorker = false) => {
    clock.set(nineAm(date));
    if (runWorker) {
      await settle();
      await app.get(DeadlineWorker).runOnce();
    }
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-star-'));
    config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_JWT_SECRET: SECRET, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL', LEDGER_DEADLINE_WORKER: 'off' });
    clock = new FixedClock(new Date(nineAm('2026-03-02')));
    app = await createApp({ config, clock, projector: true, logger: false });
    await app.init();
    http = request(app.getHttpServer());

    const admin = tok('admin');
    const county = (await post('/units', { name: '中共湟源县委员会', kind: 'county_committee' }, admin)).id;
    township = (await post('/units', { name: '中共申中乡委员会', kind: 'township_committee', parentId: county }, admin)).id;
    for (const [key, name] of [
      ['A', '申中乡莫布拉村党支部'],
      ['B', '申中乡前沟村党支部'],
      ['C', '申中乡申中村党支部'],
      ['D', '申中乡韭菜沟村党支部'],
      ['E', '申中乡大石头村党支部'],
    ]) {
      u[key] = (await post('/units', { name, kind: 'branch', parentId: township }, admin)).id;
    }
    u.G = (await post('/units', { name: '莫布拉村第一党小组', kind: 'party_group', parentId: u.A }, admin)).id;
    const cadre: Record<string, string> = {};
    for (const k of ['A', 'B', 'C', 'E', 'G']) cadre[k] = (await post('/cadres', { name: `书记${k}`, unitId: u[k], post: '村党支部书记' })).id;
    const sheetId = (await post('/sheets', { number: '湟组交〔2026〕3号', title: '上半年党建任务', issuedOn: '2026-03-02' })).id;
    await settle();
    const unit = tok('unit', township);
    const item = async (k: string, dueDate: string) =>
      (await post('/items', { sheetId, title: `事项${k}${dueDate}`, unitId: u[k], cadreId: cadre[k], dueDate })).id;
    const a1 = await item('A', '2026-03-10');
    const a2 = await item('G', '2026-03-10');
    const b1 = await item('B', '2026-03-10');
    const b2 = await item('B', '2026-03-20');
    const c1 = await item('C', '2026-03-10');
    const c2 = await item('C', '2026-03-15');
    const c3 = await item('C', '2026-03-10');
    await item('C', '2026-07-15');
    const e1 = await item('E', '2026-03-10');
    const e2 = await item('E', '2026-03-10');
    const done = async (id: string) => {
      await post(`/items/${id}/complete`, { summary: '已完成' }, unit);
      await post(`/items/${id}/conclude`, {});
    };

    await on('2026-03-05');
    await done(b1);
    await post(`/items/${c3}/withdraw`, { reason: '任务调整' });
    await on('2026-03-08');
    await post(`/items/${a1}/complete`, { summary: '已完成' }, unit);
    await on('2026-03-09');
    await post(`/items/${a1}/conclude`, {});
    await post(`/items/${a2}/complete`, { summary: '已完成' }, unit);
    await post(`/items/${a2}/return`, { reason: '材料不全' });
    await on('2026-03-10');
    await done(e1);
    await on('2026-03-11', true); // misses: a2, c1, e2 (due 03-10)
    await done(e2);
    await on('2026-03-12');
    await done(a2);
    await post(`/items/${c2}/extension/request`, { newDueDate: '2026-03-25', reason: '需协调' }, unit);
    await post(`/items/${c2}/extension/grant`, {});
    await on('2026-03-18');
    await done(b2);
    await on('2026-03-20');
    await post(
      `/items/${c1}/accountability/decide`,
      { target: { kind: 'unit', id: u.C }, form: 'inspection', decidedBy: '县纪委监委', decidedOn: '2026-03-20', reason: '任务逾期' },
      tok('discipline'),
    );
    const revoked = await post(
      `/items/${c2}/accountability/decide`,
      { target: { kind: 'cadre', id: cadre.C }, form: 'admonishment', decidedBy: '县纪委监委', decidedOn: '2026-03-20', reason: '任务推进不力' },
      tok('discipline'),
    );
    void revoked;
    const register = await http
      .get('/api/v1/accountability')
      .set('Authorization', `Bearer ${org}`)
      .query({ minPosition: (await app.get(EVENT_STORE).headPosition()).toString() });
    const toRevoke = register.body.find((d: { itemId: string }) => d.itemId === c2);
    await post(`/items/${c2}/accountability/${toRevoke.decisionId}/revoke`, { reason: '申诉成立' }, tok('discipline'));
    await on('2026-03-26', true); // miss: c2 (due 03-25 after its extension)
    await on('2026-03-28');
    await done(c2);
    await on('2026-07-01');
    await settle();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const rating = (query: Record<string, string>, token = org) => http.get('/api/v1/star-rating').set('Authorization', `Bearer ${token}`).query(query);

  it('scores each branch of the first half-year exactly', async () => {
    const res = await rating({ from: '2026-01-01', to: '2026-06-30' });
    expect(res.status).toBe(200);
    const rows = new Map<string, Record<string, unknown>>(res.body.rows.map((r: { unitId: string }) => [r.unitId, r]));
    expect(res.body.rows).toHaveLength(5);
    expect(rows.get(u.A)).toMatchObject({
      parentName: '中共申中乡委员会',
      dueItems: 2,
      onTimeItems: 1,
      deadlinesMissed: 1,
      returns: 1,
      accountabilityDecisions: 0,
      score: 78,
      stars: 3,
      deductions: { onTime: 15, deadlineMissed: 5, returned: 2, accountability: 0 },
    });
    expect(rows.get(u.B)).toMatchObject({ dueItems: 2, onTimeItems: 2, deadlinesMissed: 0, returns: 0, accountabilityDecisions: 0, score: 100, stars: 5 });
    expect(rows.get(u.C)).toMatchObject({ dueItems: 2, onTimeItems: 0, deadlinesMissed: 2, returns: 0, accountabilityDecisions: 1, score: 50, stars: 1 });
    expect(rows.get(u.D)).toMatchObject({ dueItems: 0, onTimeItems: 0, deadlinesMissed: 0, score: 100, stars: 5 });
    expect(rows.get(u.E)).toMatchObject({ dueItems: 2, onTimeItems: 1, deadlinesMissed: 1, returns: 0, score: 80, stars: 4 });
    expect(res.body.rows.map((r: { score: number }) => r.score)).toEqual([100, 100, 80, 78, 50]);
    expect(res.body.rules.thresholds).toEqual({ 5: 90, 4: 80, 3: 70, 2: 60 });
  });

  it('counts only what falls in the period', async () => {
    // 03-11…03-31: only due dates in the period count; a2's return (03-09) and the 03-10 misses do not.
    const res = await rating({ from: '2026-03-11', to: '2026-03-31' });
    const rows = new Map<string, Record<string, unknown>>(res.body.rows.map((r: { unitId: string }) => [r.unitId, r]));
    expect(rows.get(u.A)).toMatchObject({ dueItems: 0, deadlinesMissed: 0, returns: 0, score: 100, stars: 5 });
    expect(rows.get(u.B)).toMatchObject({ dueItems: 1, onTimeItems: 1, score: 100 });
    // c2 (due 03-25, missed, late); the decision of 03-20 on c1 (the one on c2 was revoked).
    expect(rows.get(u.C)).toMatchObject({ dueItems: 1, onTimeItems: 0, deadlinesMissed: 1, accountabilityDecisions: 1, score: 55, stars: 1 });
  });

  it('unit users see their own subtree; admins are not raters', async () => {
    const mine = await rating({ from: '2026-01-01', to: '2026-06-30' }, tok('unit', u.A));
    expect(mine.status).toBe(200);
    expect(mine.body.rows.map((r: { unitId: string }) => r.unitId)).toEqual([u.A]);
    expect((await rating({ from: '2026-01-01', to: '2026-06-30', unitId: u.B }, tok('unit', u.A))).status).toBe(403);
    const town = await rating({ from: '2026-01-01', to: '2026-06-30' }, tok('unit', township));
    expect(town.body.rows).toHaveLength(5);
    for (const role of ['discipline', 'inspector']) expect((await rating({ from: '2026-01-01', to: '2026-06-30' }, tok(role))).status).toBe(200);
    expect((await rating({ from: '2026-01-01', to: '2026-06-30' }, tok('admin'))).status).toBe(403);
    expect((await rating({ from: '2026-06-30', to: '2026-01-01' })).status).toBe(400);
    expect((await rating({ from: '2026-13-01', to: '2026-06-30' })).status).toBe(400);
    expect((await rating({ from: '2026-01-01', to: '2026-06-30', unitId: 'nope' })).status).toBe(404);
  });

  it('exports CSV with Chinese headers and xlsx', async () => {
    const csv = await rating({ from: '2026-01-01', to: '2026-06-30', format: 'csv' })
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const text = (csv.body as Buffer).toString('utf8').replace(/^\uFEFF/, '');
    const lines = parseCsv(text).map((l) => l.fields);
    expect(lines[0]).toEqual(['排名', '党组织', '所属党委', '到期事项', '按期办结', '按期办结率', '逾期次数', '退回次数', '问责决定', '得分', '星级']);
    expect(lines.filter((l) => l.length > 1)).toHaveLength(6);
    expect(lines.find((l) => l[1] === '申中乡申中村党支部')).toEqual([
      '5',
      '申中乡申中村党支部',
      '中共申中乡委员会',
      '2',
      '0',
      '0.0%',
      '2',
      '0',
      '1',
      '50.0',
      '★',
    ]);
    const xlsx = await rating({ from: '2026-01-01', to: '2026-06-30', format: 'xlsx' });
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
  });

  it('rules come from configuration (LEDGER_STAR_RATING)', async () => {
    const other = await createApp({
      config: loadConfig({
        LEDGER_DATA_DIR: dataDir,
        LEDGER_JWT_SECRET: SECRET,
        LEDGER_DEADLINE_WORKER: 'off',
        LEDGER_STAR_RATING: '{"weights":{"returned":10},"thresholds":{"4":75}}',
      }),
      clock,
      logger: false,
    });
    await other.init();
    try {
      const res = await request(other.getHttpServer())
        .get('/api/v1/star-rating')
        .set('Authorization', `Bearer ${org}`)
        .query({ from: '2026-01-01', to: '2026-06-30' });
      const a = res.body.rows.find((r: { unitId: string }) => r.unitId === u.A);
      expect(a).toMatchObject({ score: 70, stars: 3, deductions: { returned: 10 } });
      const e = res.body.rows.find((r: { unitId: string }) => r.unitId === u.E);
      expect(e).toMatchObject({ score: 80, stars: 4 });
    } finally {
      await other.close();
    }
  });
});
