/**
 * The escalation ladder (LEDGER_ESCALATION, default 0:reminder,3:urge,7:notice,15:listed) on a moved
 * clock over 16 county days: each step on its day for each item, counted from the due date in force in
 * county time; an extension restarts it; a report stops it and a return resumes it; withdrawn and
 * struck-off items stop. Two workers (two apps on one data folder) run every time, and a restarted app
 * adds nothing. Real SQLite files; every wait is a probe on the projector's position.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StoredEvent } from '@ledger/event-store';
import { FixedClock, loadConfig, signToken, type LedgerConfig } from '@ledger/platform';
import request from 'supertest';
import { createApp, inProcessProjector, type LedgerApp } from '../apps/api/src/create-app';
import { DeadlineWorker, SYSTEM_ACTOR } from '../apps/api/src/deadlines/deadline-worker';
import { EVENT_STORE } from '../apps/api/src/platform/tokens';

const SECRET = 'escalation-test-secret-0123456789';
const token = (role: string, unitId?: string) => signToken({ sub: `user-${role}`, role: role as 'org_dept', unitId: unitId ?? null, name: '测试' }, SECRET);
/** 00:30 county time (UTC+8) on a county date: still the day before in UTC. */
const halfPastMidnight = (date: string) => new Date(Date.parse(`${date}T00:30:00+08:00`)).toISOString();
const nineAm = (date: string) => new Date(Date.parse(`${date}T09:00:00+08:00`)).toISOString();
/** The county date of a recorded instant, by hand: UTC plus eight hours. */
const countyDay = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10);

describe('escalation ladder', () => {
  let dataDir: string;
  let config: LedgerConfig;
  let clock: FixedClock;
  let app: LedgerApp;
  let second: LedgerApp;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-escalation-'));
    config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_JWT_SECRET: SECRET, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL', LEDGER_DEADLINE_WORKER: 'off' });
    clock = new FixedClock(new Date(nineAm('2026-03-02')));
    app = await createApp({ config, clock, projector: true, logger: false });
    second = await createApp({ config, clock, logger: false });
    await Promise.all([app.init(), second.init()]);
  }, 60_000);
  afterAll(async () => {
    await second?.close();
    await app?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (p: string, body: object, tok: string): Promise<{ id: string }> => {
    const res = await request(app.getHttpServer()).post(`/api/v1${p}`).set('Authorization', `Bearer ${tok}`).send(body);
    if (res.status !== 200 && res.status !== 201) throw new Error(`POST ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const settle = async () => {
    const head = await app.get(EVENT_STORE).headPosition();
    if (!(await inProcessProjector(app)!.waitFor(head, 20_000))) throw new Error(`projector did not reach ${head}`);
  };
  const events = (): Promise<StoredEvent[]> => app.get(EVENT_STORE).readAll({ after: 0n, limit: 1_000_000 });
  const escalations = async () =>
    (await events())
      .filter((e) => e.type === 'ItemEscalated')
      .map((e) => {
        expect(e.metadata.actor).toEqual(SYSTEM_ACTOR);
        const d = e.data as { itemId: string; step: number; level: string; dueDate: string; daysOverdue: number };
        return [d.itemId, countyDay(e.recordedAt), d.level, d.dueDate, d.step, d.daysOverdue] as const;
      });
  /** Both workers at once, as two API instances on one data folder would run. */
  const runBoth = async () => {
    await settle();
    const runs = await Promise.all([app.get(DeadlineWorker).runOnce(), second.get(DeadlineWorker).runOnce()]);
    return runs[0].escalated + runs[1].escalated;
  };

  it('records each step on its county day, once, with two workers and after a restart', async () => {
    const admin = token('admin');
    const org = token('org_dept');
    const { id: countyId } = await post('/units', { name: '中共湟源县委员会', kind: 'county_committee' }, admin);
    const { id: townId } = await post('/units', { name: '中共和平乡委员会', kind: 'township_committee', parentId: countyId }, admin);
    const { id: unitId } = await post('/units', { name: '和平乡茶曲村党支部', kind: 'branch', parentId: townId }, admin);
    const { id: leaderId } = await post('/cadres', { name: '李书记', unitId: townId, post: '书记' }, org);
    const { id: cadreId } = await post('/cadres', { name: '王建国', unitId, post: '村党支部书记' }, org);
    const { id: sheetId } = await post('/sheets', { number: '湟组交〔2026〕7号', title: '基层党建重点任务', issuedOn: '2026-03-02' }, org);
    const unit = token('unit', townId);
    const assign = async (title: string, dueDate: string) => (await post('/items', { sheetId, title, unitId, cadreId, leaderId, dueDate }, org)).id;
    const A = await assign('落实三会一课', '2026-03-05');
    const B = await assign('整顿软弱涣散党组织', '2026-03-05');
    const C = await assign('党费收缴台账', '2026-03-05');
    const D = await assign('党务公开', '2026-03-05');
    const E = await assign('活动室建设', '2026-03-05');
    const F = await assign('流动党员管理', '2026-03-15');
    clock.set(nineAm('2026-03-03'));
    await post(`/items/${B}/extension/request`, { newDueDate: '2026-03-10', reason: '需协调' }, unit);

    // What each county day does at 09:00, after the workers' 00:30 run; the workers run again after it.
    const acts: Record<string, () => Promise<unknown>> = {
      '2026-03-06': async () => {
        await post(`/items/${B}/extension/grant`, { note: '同意' }, org);
        await post(`/items/${E}/complete`, { summary: '已完成' }, unit);
      },
      '2026-03-07': async () => {
        await post(`/items/${D}/withdraw`, { reason: '任务调整' }, org);
        await post(`/items/${E}/conclude`, {}, org);
        await post(`/items/${E}/strike-off`, {}, org);
      },
      '2026-03-09': () => post(`/items/${C}/complete`, { summary: '已完成' }, unit),
      '2026-03-14': () => post(`/items/${C}/return`, { reason: '材料不全' }, org),
    };
    const perDay: Record<string, number> = {};
    for (let d = 5; d <= 20; d++) {
      const date = `2026-03-${String(d).padStart(2, '0')}`;
      clock.set(halfPastMidnight(date));
      perDay[date] = await runBoth();
      clock.set(nineAm(date));
      if (acts[date]) {
        await acts[date]();
        perDay[date] += await runBoth();
      }
    }

    // By hand, from the ladder 0 / 3 / 7 / 15 days after the due date in force:
    const expected = [
      // A, due 03-05, never acts: 03-05, 03-08, 03-12, 03-20.
      [A, '2026-03-05', 'reminder', '2026-03-05', 0, 0],
      [A, '2026-03-08', 'urge', '2026-03-05', 3, 3],
      [A, '2026-03-12', 'notice', '2026-03-05', 7, 7],
      [A, '2026-03-20', 'listed', '2026-03-05', 15, 15],
      // B: 提醒 on 03-05; extended on 03-06 to 03-10, the ladder starts again: 03-10, 03-13, 03-17.
      [B, '2026-03-05', 'reminder', '2026-03-05', 0, 0],
      [B, '2026-03-10', 'reminder', '2026-03-10', 0, 0],
      [B, '2026-03-13', 'urge', '2026-03-10', 3, 3],
      [B, '2026-03-17', 'notice', '2026-03-10', 7, 7],
      // C: 03-05, 03-08; reported 03-09 (no 督办 on 03-12); returned 03-14: 督办 that day, 9 days over; 挂牌督办 03-20.
      [C, '2026-03-05', 'reminder', '2026-03-05', 0, 0],
      [C, '2026-03-08', 'urge', '2026-03-05', 3, 3],
      [C, '2026-03-14', 'notice', '2026-03-05', 7, 9],
      [C, '2026-03-20', 'listed', '2026-03-05', 15, 15],
      // D withdrawn 03-07, E reported 03-06 and struck off 03-07: only 提醒 on 03-05.
      [D, '2026-03-05', 'reminder', '2026-03-05', 0, 0],
      [E, '2026-03-05', 'reminder', '2026-03-05', 0, 0],
      // F, due 03-15: 03-15, 03-18.
      [F, '2026-03-15', 'reminder', '2026-03-15', 0, 0],
      [F, '2026-03-18', 'urge', '2026-03-15', 3, 3],
    ];
    const sort = (rows: readonly (readonly unknown[])[]) => [...rows].map((r) => [...r]).sort((x, y) => `${x[0]}${x[1]}`.localeCompare(`${y[0]}${y[1]}`));
    expect(sort(await escalations())).toEqual(sort(expected));
    // The workers' own counts agree, day by day (two workers, one event each).
    const byDay: Record<string, number> = {};
    for (const r of expected) byDay[r[1] as string] = (byDay[r[1] as string] ?? 0) + 1;
    expect(Object.fromEntries(Object.entries(perDay).filter(([, n]) => n > 0))).toEqual(byDay);

    // The item view shows the level reached.
    await settle();
    const view = (id: string) => request(app.getHttpServer()).get(`/api/v1/items/${id}`).set('Authorization', `Bearer ${org}`);
    expect((await view(A)).body).toMatchObject({ urgeLevel: 'listed', overdue: true });
    expect((await view(F)).body).toMatchObject({ urgeLevel: 'urge' });

    // A restart on the same data folder, and the second worker beside it, add nothing.
    const before = (await events()).length;
    await app.close();
    app = await createApp({ config, clock, projector: true, logger: false });
    await app.init();
    expect(await runBoth()).toBe(0);
    clock.set(halfPastMidnight('2026-03-20'));
    expect(await runBoth()).toBe(0);
    expect((await events()).length).toBe(before);
  }, 300_000);
});
