/**
 * The demo county (`ledger start --demo`): loaded through the real API into a temp data folder, it
 * leaves items in every status and light, with urges, returns, extensions, missed deadlines and
 * accountability decisions, and figures that add up over the tree. Loading twice writes nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, openEventStore, resolveJwtSecret, signToken, type LedgerConfig } from '@ledger/platform';
import request from 'supertest';
import { loadDemoInto, type DemoLoad } from '../apps/cli/src/demo';
import { createApp, type LedgerApp } from '../apps/api/src/create-app';
import { DEMO_USERS_FILE } from '../apps/api/src/web/demo-users.controller';

const FIGURE_KEYS = ['total', 'open', 'overdue', 'dueSoon', 'awaitingReview', 'concluded', 'struckOff', 'withdrawn'] as const;

describe('demo county', () => {
  let dataDir: string;
  let config: LedgerConfig;
  let load: DemoLoad;
  let app: LedgerApp;
  let http: ReturnType<typeof request>;
  let org: string;
  const now = new Date('2026-06-15T03:00:00Z');

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-demo-'));
    config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL', LEDGER_DEADLINE_WORKER: 'off' });
    load = await loadDemoInto(config, { now });
    const { FixedClock } = await import('@ledger/platform');
    app = await createApp({ config, clock: new FixedClock(now), logger: false, demo: true });
    await app.init();
    http = request(app.getHttpServer());
    org = signToken({ sub: 'test-org', role: 'org_dept', unitId: null, name: '测试' }, resolveJwtSecret(config));
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const get = async (url: string, token = org) => {
    const res = await http.get(`/api/v1${url}`).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    return res.body;
  };

  // How fast it loads is the scale bench's business (docs/benchmarks.md), not a test's: under a loaded machine it took 233 s.
  it('loads and writes the sign-in list the web app reads', async () => {
    expect(load.loaded).toBe(true);
    const users = JSON.parse(fs.readFileSync(path.join(dataDir, DEMO_USERS_FILE), 'utf8'));
    expect(new Set(users.map((u: { role: string }) => u.role))).toEqual(new Set(['admin', 'org_dept', 'discipline', 'inspector', 'unit']));
    const served = await http.get('/api/v1/demo/users');
    expect(served.status).toBe(200);
    expect(served.body).toHaveLength(users.length);
    // Every token works for its role: a unit user sees its own subtree only.
    const unitUser = served.body.find((u: { role: string }) => u.role === 'unit');
    const mine = await get(`/items?pageSize=200`, unitUser.token);
    expect(mine.total).toBeGreaterThan(0);
    for (const i of mine.items) expect((await get(`/units/${i.unitId}/outstanding`, unitUser.token)).total).toBeGreaterThan(0);
  });

  it("gives every demo user an account with a login and a printed password (演示账号): the real sign-in reaches its role's data", async () => {
    const served: Array<{ role: string; name: string; unitId: string | null; token: string; label: string; login: string; password: string }> = (
      await http.get('/api/v1/demo/users')
    ).body;
    // The version 1 `admin` token's account is the system administrator (三员); the others keep their role.
    const accountRole: Record<string, string> = { admin: 'sysadmin', org_dept: 'org_dept', discipline: 'discipline', inspector: 'inspector', unit: 'unit' };
    for (const u of served) {
      expect({ label: u.label, login: u.login, password: typeof u.password }).toEqual({
        label: u.label,
        login: expect.stringMatching(/^demo\.[a-z0-9.-]+$/),
        password: 'string',
      });
      const res = await http.post('/api/v1/auth/sign-in').send({ login: u.login, password: u.password });
      expect({ login: u.login, status: res.status }).toEqual({ login: u.login, status: 200 });
      expect(res.body.mustChangePassword).toBe(false);
      expect(res.body.account).toMatchObject({ login: u.login, name: u.name, roles: [accountRole[u.role]] });
    }
    expect(new Set(served.map((u) => u.login)).size).toBe(served.length);
    // A township's liaison signs in with the printed password and sees exactly what its one-click token sees.
    const township = served.find((u) => u.role === 'unit')!;
    const signedIn = await http.post('/api/v1/auth/sign-in').send({ login: township.login, password: township.password }).expect(200);
    const viaPassword = await get('/items?pageSize=200', signedIn.body.accessToken);
    const viaToken = await get('/items?pageSize=200', township.token);
    expect(viaPassword.total).toBeGreaterThan(0);
    expect(viaPassword.items.map((i: { id: string }) => i.id).sort()).toEqual(viaToken.items.map((i: { id: string }) => i.id).sort());
    expect((await get('/items?pageSize=1', signedIn.body.accessToken)).total).toBeLessThan((await get('/items?pageSize=1')).total);
    // A wrong password is refused as for any account.
    expect((await http.post('/api/v1/auth/sign-in').send({ login: township.login, password: `${township.password}x` })).status).toBe(401);
  });

  it('serves no demo user list (nor password) without --demo, though the accounts stay', async () => {
    const { FixedClock } = await import('@ledger/platform');
    const plain = await createApp({ config, clock: new FixedClock(now), logger: false, demo: false });
    await plain.init();
    try {
      const res = await request(plain.getHttpServer()).get('/api/v1/demo/users');
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('password');
    } finally {
      await plain.close();
    }
  });

  it('leaves items in every status and every light', async () => {
    for (const status of ['assigned', 'in_progress', 'reported', 'concluded', 'struck_off', 'withdrawn']) {
      expect({ status, total: (await get(`/items?status=${status}`)).total }).toEqual({ status, total: expect.any(Number) });
      expect((await get(`/items?status=${status}`)).total).toBeGreaterThan(0);
    }
    for (const light of ['green', 'yellow', 'red']) expect((await get(`/items?light=${light}`)).total).toBeGreaterThan(0);
  });

  it('holds urges, returns, extensions, missed deadlines, reopenings and accountability decisions', async () => {
    const store = await openEventStore(config);
    try {
      const events = await store.readAll({ after: 0n, limit: 1_000_000 });
      const count = (type: string) => events.filter((e) => e.type === type).length;
      for (const type of [
        'ItemUrged',
        'CompletionReturned',
        'ExtensionRequested',
        'ExtensionGranted',
        'ExtensionRefused',
        'DeadlineMissed',
        'AccountabilityReferred',
        'AccountabilityDecided',
        'ItemStruckOff',
        'ItemWithdrawn',
      ]) {
        expect({ type, n: count(type) > 0 }).toEqual({ type, n: true });
      }
      // The deadline process left its marks: system reminders and one DeadlineMissed per item and due date.
      expect(events.some((e) => e.type === 'ItemUrged' && (e.metadata.actor as { role: string }).role === 'system')).toBe(true);
      const missed = events
        .filter((e) => e.type === 'DeadlineMissed')
        .map((e) => `${(e.data as { itemId: string }).itemId}/${(e.data as { dueDate: string }).dueDate}`);
      expect(new Set(missed).size).toBe(missed.length);
      // Every overdue open item has its DeadlineMissed.
      const overdue = await get('/items?light=red&pageSize=200');
      const missedSet = new Set(missed);
      for (const i of overdue.items) expect(missedSet.has(`${i.id}/${i.dueDate}`)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('figures add up: every unit rolled up = its own items + its children rolled up', async () => {
    const units: Array<{ id: string; parentId: string | null }> = await get('/units');
    const county = units.find((u) => u.parentId === null)!;
    const all = await get(`/items?pageSize=1`);
    const countyFigures = await get(`/units/${county.id}/outstanding`);
    expect(countyFigures.total).toBe(all.total);
    for (const u of units) {
      const children = units.filter((c) => c.parentId === u.id);
      if (children.length === 0) continue;
      const rolled = await get(`/units/${u.id}/outstanding`);
      const own = await get(`/units/${u.id}/outstanding?subtree=false`);
      const rows: Array<Record<string, number>> = await get(`/units/${u.id}/children/outstanding`);
      for (const k of FIGURE_KEYS) {
        expect({ unit: u.id, k, v: rolled[k] }).toEqual({ unit: u.id, k, v: own[k] + rows.reduce((s, r) => s + r[k], 0) });
      }
    }
  });

  it('does not load the demo again into a folder that holds events', async () => {
    const store = await openEventStore(config);
    const head = await store.headPosition();
    await store.close();
    expect(await loadDemoInto(config, { now })).toEqual({ loaded: false });
    const again = await openEventStore(config);
    expect(await again.headPosition()).toBe(head);
    await again.close();
  });
});
