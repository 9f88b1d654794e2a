/**
 * The deadline process: a FixedClock moves across due dates and the worker records
 * exactly one DeadlineMissed per item and due date, and one system reminder (提醒) per item and due
 * date — also with two workers at once (two app instances on one data folder) and after a crash
 * mid-run. Real SQLite files; every wait is a probe on the projector's position.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StoredEvent } from '@ledger/event-store';
import { FixedClock, loadConfig, signToken, type LedgerConfig } from '@ledger/platform';
import request from 'supertest';
import { createApp, inProcessProjector, type LedgerApp } from '../apps/api/src/create-app';
import { DeadlineWorker, SYSTEM_ACTOR } from '../apps/api/src/deadlines/deadline-worker';

const SECRET = 'deadline-test-secret-0123456789';
/** 09:00 county time (UTC+8) on a county date. */
const nineAm = (date: string) => `${date}T01:00:00Z`;

interface Ledger {
  dataDir: string;
  config: LedgerConfig;
  clock: FixedClock;
  app: LedgerApp;
  /** A second app on the same data folder (no projector), for the two-workers test. */
  second?: LedgerApp;
  post(path: string, body: unknown, token: string): Promise<{ id: string; position: string }>;
  settle(): Promise<void>;
  events(): Promise<StoredEvent[]>;
  worker(app?: LedgerApp): DeadlineWorker;
  close(): Promise<void>;
}

const token = (role: string, unitId?: string) => signToken({ sub: `user-${role}`, role: role as 'org_dept', unitId: unitId ?? null, name: '测试' }, SECRET);

async function startLedger(options: { second?: boolean } = {}): Promise<Ledger> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-deadlines-'));
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_JWT_SECRET: SECRET, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL', LEDGER_DEADLINE_WORKER: 'off' });
  const clock = new FixedClock(new Date(nineAm('2026-03-02')));
  const app = await createApp({ config, clock, projector: true, logger: false });
  await app.init();
  let second: LedgerApp | undefined;
  if (options.second) {
    second = await createApp({ config, clock, logger: false });
    await second.init();
  }
  const http = request(app.getHttpServer());
  let head: bigint;
  const ledger: Ledger = {
    dataDir,
    config,
    clock,
    app,
    second,
    async post(p, body, tok) {
      const res = await http
        .post(`/api/v1${p}`)
        .set('Authorization', `Bearer ${tok}`)
        .send(body as object);
      if (res.status !== 200 && res.status !== 201) throw new Error(`POST ${p}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async settle() {
      const { EVENT_STORE } = await import('../apps/api/src/platform/tokens');
      head = await ledger.app.get(EVENT_STORE).headPosition();
      if (!(await inProcessProjector(ledger.app)!.waitFor(head, 10_000))) throw new Error(`projector did not reach ${head}`);
    },
    async events() {
      const { EVENT_STORE } = await import('../apps/api/src/platform/tokens');
      return ledger.app.get(EVENT_STORE).readAll({ after: 0n, limit: 1_000_000 });
    },
    worker: (a?: LedgerApp) => (a ?? ledger.app).get(DeadlineWorker),
    async close() {
      // ledger.second, not the one started here: a test may start its own second app (left open before, with its store's writer thread).
      await ledger.second?.close();
      await ledger.app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return ledger;
}

interface County {
  org: string;
  unit: string;
  unitId: string;
  cadreId: string;
  sheetId: string;
}

async function county(l: Ledger): Promise<County> {
  const admin = token('admin');
  const org = token('org_dept');
  const { id: countyId } = await l.post('/units', { name: '中共湟源县委员会', kind: 'county_committee' }, admin);
  const { id: townId } = await l.post('/units', { name: '中共大华镇委员会', kind: 'township_committee', parentId: countyId }, admin);
  const { id: unitId } = await l.post('/units', { name: '大华镇黄茂村党支部', kind: 'branch', parentId: townId }, admin);
  const { id: cadreId } = await l.post('/cadres', { name: '王建国', unitId, post: '村党支部书记' }, org);
  const { id: sheetId } = await l.post('/sheets', { number: '湟组交〔2026〕1号', title: '基层党建重点任务', issuedOn: '2026-03-02' }, org);
  await l.settle();
  return { org, unit: token('unit', townId), unitId, cadreId, sheetId };
}

async function assign(l: Ledger, c: County, title: string, dueDate: string): Promise<string> {
  const { id } = await l.post('/items', { sheetId: c.sheetId, title, unitId: c.unitId, cadreId: c.cadreId, dueDate }, c.org);
  return id;
}

/** DeadlineMissed due dates per item, and system reminders per item (by the due date in their note). */
async function recorded(l: Ledger) {
  const events = await l.events();
  const missed = new Map<string, string[]>();
  const reminders = new Map<string, string[]>();
  for (const e of events) {
    const data = e.data as { itemId: string; dueDate?: string; level?: string; note?: string };
    if (e.type === 'DeadlineMissed') {
      expect(e.metadata.actor as typeof SYSTEM_ACTOR).toEqual(SYSTEM_ACTOR);
      missed.set(data.itemId, [...(missed.get(data.itemId) ?? []), data.dueDate!]);
    }
    if (e.type === 'ItemUrged' && (e.metadata.actor as { role: string }).role === 'system') {
      expect(data.level).toBe('reminder');
      const due = /（(\d{4}-\d\d-\d\d)）/.exec(data.note ?? '')![1];
      reminders.set(data.itemId, [...(reminders.get(data.itemId) ?? []), due]);
    }
  }
  return { missed, reminders };
}

/** Moves the clock to 09:00 of `date`, lets the read models catch up, runs the worker once. */
async function day(l: Ledger, date: string, worker = l.worker()) {
  l.clock.set(nineAm(date));
  await l.settle();
  return worker.runOnce();
}

describe('deadline process', () => {
  let l: Ledger;
  afterEach(async () => l?.close());

  it('records one DeadlineMissed per item and due date as days pass, and one reminder per due date', async () => {
    l = await startLedger();
    const c = await county(l);
    const open = await assign(l, c, '落实三会一课', '2026-03-05');
    const extended = await assign(l, c, '整顿软弱涣散党组织', '2026-03-05');
    const onTime = await assign(l, c, '党费收缴台账', '2026-03-05');
    const withdrawn = await assign(l, c, '党务公开', '2026-03-04');
    const struckOff = await assign(l, c, '活动室建设', '2026-03-04');
    const late = await assign(l, c, '发展党员规范化', '2026-03-04');
    const later = await assign(l, c, '流动党员管理', '2026-03-20');

    // 03-02: due 03-04 and 03-05 are within three days: reminders for those not yet reported.
    await l.post(`/items/${onTime}/complete`, { summary: '已完成' }, c.unit);
    const r = await day(l, '2026-03-02');
    expect(r).toMatchObject({ missed: 0, reminded: 5 });
    await l.post(`/items/${extended}/extension/request`, { newDueDate: '2026-03-10', reason: '需协调' }, c.unit);
    await l.post(`/items/${withdrawn}/withdraw`, { reason: '任务调整' }, c.org);
    await l.post(`/items/${onTime}/conclude`, { note: '按期办结' }, c.org);
    await l.post(`/items/${struckOff}/complete`, { summary: '已完成' }, c.unit);
    await l.post(`/items/${struckOff}/conclude`, {}, c.org);
    await l.post(`/items/${struckOff}/strike-off`, {}, c.org);
    expect(await day(l, '2026-03-03')).toMatchObject({ missed: 0, reminded: 0 });
    expect(await day(l, '2026-03-04')).toMatchObject({ missed: 0, reminded: 0 });

    // 03-05: 'late' (due 03-04) missed; 03-06: the two due 03-05 that are still open.
    expect(await day(l, '2026-03-05')).toMatchObject({ missed: 1 });
    await l.post(`/items/${late}/complete`, { summary: '逾期完成' }, c.unit);
    await l.post(`/items/${late}/conclude`, {}, c.org);
    expect(await day(l, '2026-03-06')).toMatchObject({ missed: 2, reminded: 0 });
    expect(await day(l, '2026-03-06')).toMatchObject({ missed: 0, reminded: 0 });

    // The extension is granted after its first due date passed: the new date gets its own reminder and miss.
    l.clock.set(nineAm('2026-03-07'));
    await l.post(`/items/${extended}/extension/grant`, { note: '同意' }, c.org);
    expect(await day(l, '2026-03-07')).toMatchObject({ missed: 0, reminded: 1 });
    for (const d of ['2026-03-08', '2026-03-09', '2026-03-10']) expect(await day(l, d)).toMatchObject({ missed: 0, reminded: 0 });
    expect(await day(l, '2026-03-11')).toMatchObject({ missed: 1, reminded: 0 });
    // 'later' (due 03-20): reminded on 03-17 once, missed on 03-21 once.
    for (const d of ['2026-03-12', '2026-03-16']) expect(await day(l, d)).toMatchObject({ missed: 0, reminded: 0 });
    expect(await day(l, '2026-03-17')).toMatchObject({ missed: 0, reminded: 1 });
    expect(await day(l, '2026-03-19')).toMatchObject({ missed: 0, reminded: 0 });
    expect(await day(l, '2026-03-21')).toMatchObject({ missed: 1, reminded: 0 });
    expect(await day(l, '2026-04-30')).toMatchObject({ missed: 0, reminded: 0 });

    const { missed, reminders } = await recorded(l);
    expect(Object.fromEntries(missed)).toEqual({
      [open]: ['2026-03-05'],
      [extended]: ['2026-03-05', '2026-03-10'],
      [late]: ['2026-03-04'],
      [later]: ['2026-03-20'],
    });
    expect(Object.fromEntries(reminders)).toEqual({
      [open]: ['2026-03-05'],
      [extended]: ['2026-03-05', '2026-03-10'],
      [withdrawn]: ['2026-03-04'],
      [struckOff]: ['2026-03-04'],
      [late]: ['2026-03-04'],
      [later]: ['2026-03-20'],
    });
    // The read model shows it: the item view is red and its last missed date is the one in force.
    await l.settle();
    const view = await request(l.app.getHttpServer()).get(`/api/v1/items/${extended}`).set('Authorization', `Bearer ${c.org}`);
    expect(view.body).toMatchObject({ status: 'assigned', light: 'red', overdue: true, dueDate: '2026-03-10' });
  });

  it('two workers on one data folder, running at once, still record each act exactly once', async () => {
    l = await startLedger({ second: true });
    const c = await county(l);
    const overdue: string[] = [];
    const soon: string[] = [];
    for (let i = 0; i < 25; i++) overdue.push(await assign(l, c, `逾期事项${i}`, '2026-03-03'));
    for (let i = 0; i < 15; i++) soon.push(await assign(l, c, `临期事项${i}`, '2026-03-07'));
    l.clock.set(nineAm('2026-03-05'));
    await l.settle();
    const [a, b] = await Promise.all([l.worker(l.app).runOnce(), l.worker(l.second!).runOnce()]);
    expect(a.missed + b.missed).toBe(25);
    expect(a.reminded + b.reminded).toBe(15);
    // Both ran for real: each appended something, or at least met the other's events.
    expect(a.missed + a.reminded + a.declined).toBeGreaterThan(0);
    expect(b.missed + b.reminded + b.declined).toBeGreaterThan(0);
    // And again, interleaved once more after the read models caught up: nothing new.
    await l.settle();
    const [a2, b2] = await Promise.all([l.worker(l.app).runOnce(), l.worker(l.second!).runOnce()]);
    expect(a2.missed + b2.missed + a2.reminded + b2.reminded).toBe(0);

    const { missed, reminders } = await recorded(l);
    expect(missed.size).toBe(25);
    for (const id of overdue) expect(missed.get(id)).toEqual(['2026-03-03']);
    expect(reminders.size).toBe(15);
    for (const id of soon) expect(reminders.get(id)).toEqual(['2026-03-07']);
  });

  it('a run that stops after K items (a crash) and a rerun record each act exactly once', async () => {
    l = await startLedger();
    const c = await county(l);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await assign(l, c, `事项${i}`, '2026-03-03'));
    l.clock.set(nineAm('2026-03-04'));
    await l.settle();
    // The read models stop here: every later run is nominated all 12 items, and the streams decide.
    await inProcessProjector(l.app)!.stop();
    const first = await l.worker().runOnce(undefined, { limit: 5 });
    expect(first).toMatchObject({ missed: 5, stoppedEarly: true });
    const second = await l.worker().runOnce();
    expect(second).toMatchObject({ missed: 7, declined: 5, stoppedEarly: false });
    expect(await l.worker().runOnce()).toMatchObject({ missed: 0, reminded: 0, declined: 12 });
    const { missed } = await recorded(l);
    expect([...missed.keys()].sort()).toEqual([...ids].sort());
    for (const id of ids) expect(missed.get(id)).toEqual(['2026-03-03']);
  });

  it('after downtime over a due date, the worker records DeadlineMissed at start (two apps at once: once), not an interval later', async () => {
    l = await startLedger();
    const c = await county(l);
    const id = await assign(l, c, '事项', '2026-03-04');
    await l.settle();
    await l.app.close();
    // Down from 03-02 to 03-06; the interval is a day and the clock stands still: only the start run can act.
    l.clock.set(nineAm('2026-03-06'));
    const config = { ...l.config, deadlineWorker: true, deadlineIntervalSeconds: 86_400 };
    const [app, second] = await Promise.all([
      createApp({ config, clock: l.clock, projector: true, logger: false }),
      createApp({ config, clock: l.clock, logger: false }),
    ]);
    l.app = app;
    l.second = second;
    await Promise.all([app.init(), second.init()]);
    const workers = [l.worker(app), l.worker(second)];
    const deadline = Date.now() + 30_000;
    while (workers.some((w) => w.lastRun === null) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(workers.map((w) => w.lastRun?.today)).toEqual(['2026-03-06', '2026-03-06']);
    expect(workers[0].lastRun!.missed + workers[1].lastRun!.missed).toBe(1);
    expect(Object.fromEntries((await recorded(l)).missed)).toEqual({ [id]: ['2026-03-04'] });
  });

  it('a restarted app on the same data folder records nothing twice', async () => {
    l = await startLedger();
    const c = await county(l);
    const id = await assign(l, c, '事项', '2026-03-04');
    expect(await day(l, '2026-03-05')).toMatchObject({ missed: 1, reminded: 0 });
    await l.app.close();
    const app = await createApp({ config: l.config, clock: l.clock, projector: true, logger: false });
    await app.init();
    l.app = app;
    await l.settle();
    expect(await l.worker(app).runOnce()).toMatchObject({ missed: 0, reminded: 0, declined: 0 });
    expect((await recorded(l)).missed.get(id)).toEqual(['2026-03-04']);
  });
});
