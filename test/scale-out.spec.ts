/**
 * Two API instances (two createApp, each with its own data folder and connections)
 * on one PostgreSQL event store and one read database, started at the same moment, taking
 * conflicting commands on the same items at the same time. Optimistic concurrency gives one winner
 * per revision; retried commands land once each; an Idempotency-Key is honoured across instances;
 * the log stays gap-free with every event id once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FixedClock, loadConfig, openEventStore, type LedgerConfig } from '@ledger/platform';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import type { EventStore } from '@ledger/event-store';
import request, { type Response } from 'supertest';
import { createApp, type LedgerApp } from '../apps/api/src/create-app';
import { tokenCommand } from '../apps/cli/src/token';

const API = '/api/v1';
const ITEMS = 6;

describe('two API instances on one PostgreSQL store', () => {
  let server: TestPostgres;
  let store: EventStore;
  const dirs: string[] = [];
  const apps: LedgerApp[] = [];
  let http: Array<ReturnType<typeof request>>;
  let config: LedgerConfig;

  beforeAll(async () => {
    server = await startTestPostgres();
    const env = {
      LEDGER_EVENT_STORE: 'postgres',
      LEDGER_EVENT_STORE_URL: server.url,
      LEDGER_READ_DB_URL: await createTestDatabase(server.serverUrl),
      LEDGER_JWT_SECRET: 'scale-out-secret-0123456789',
      LEDGER_DEADLINE_WORKER: 'off',
    };
    const configs = [0, 1].map((i) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `scale-out-${i}-`));
      dirs.push(dir);
      return loadConfig({ ...env, LEDGER_DATA_DIR: dir });
    });
    config = configs[0];
    // Both open the same fresh databases at the same moment (migrations, idempotency table).
    // Instance 0 runs the projector in-process; instance 1 only reads what it writes.
    // One county clock for both (09:00 on 2026-03-02), not the wall clock: the items fall due on 2026-12-31.
    const clock = new FixedClock(new Date('2026-03-02T01:00:00Z'));
    apps.push(...(await Promise.all(configs.map((c, i) => createApp({ config: c, clock, projector: i === 0, logger: false })))));
    await Promise.all(apps.map((a) => a.init()));
    http = apps.map((a) => request(a.getHttpServer()));
    store = await openEventStore(config);
  }, 180_000);

  afterAll(async () => {
    for (const a of apps) await a.close().catch(() => undefined);
    await store?.close();
    await server?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }, 60_000);

  const bearer = (role: 'admin' | 'org_dept' | 'unit' | 'inspector', unit?: string) =>
    `Bearer ${tokenCommand(config, { role, unit, sub: `${role}-${unit ?? 'county'}`, name: role })}`;
  const post = (i: number, route: string, auth: string, body: object, headers: Record<string, string> = {}) => {
    let req = http[i % 2].post(`${API}${route}`).set('Authorization', auth);
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return req.send(body).then((r) => r);
  };
  const created = (res: Response) => {
    if (res.status !== 201) throw new Error(`expected 201, got ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as { id: string; revision: number; position: string };
  };

  const admin = () => bearer('admin');
  const org = () => bearer('org_dept');
  const township = () => bearer('unit', 'township');
  const inspector = () => bearer('inspector');
  const itemIds = Array.from({ length: ITEMS }, (_, i) => `item-${i}`);

  it('sets up the county through both instances', async () => {
    created(await post(0, '/units', admin(), { id: 'county', name: '县委', kind: 'county_committee' }));
    created(await post(1, '/units', org(), { id: 'township', name: '大华镇党委', kind: 'township_committee', parentId: 'county' }));
    created(await post(0, '/cadres', org(), { id: 'cadre-1', name: '张三', unitId: 'township', post: '书记' }));
    created(await post(1, '/sheets', org(), { id: 'sheet-1', number: '县委巡察〔2026〕1号', title: '巡察反馈问题整改清单', issuedOn: '2026-03-01' }));
    for (const [i, id] of itemIds.entries()) {
      const body = { id, sheetId: 'sheet-1', title: `整改事项${i + 1}`, unitId: 'township', cadreId: 'cadre-1', dueDate: '2026-12-31' };
      expect(created(await post(i, '/items', org(), body)).revision).toBe(0);
    }
    // A second creation of the same id on the other instance: the stream exists, one winner.
    const again = await post(1, '/items', org(), {
      id: itemIds[0],
      sheetId: 'sheet-1',
      title: '重复',
      unitId: 'township',
      cadreId: 'cadre-1',
      dueDate: '2026-12-31',
    });
    expect(again.status).toBe(409);
  });

  it('acknowledge (not retried) from both instances at once: one ItemAcknowledged per item, the loser a 409', async () => {
    const results = await Promise.all(
      itemIds.flatMap((id) => [0, 1, 2, 3].map((k) => post(k, `/items/${id}/acknowledge`, township(), {}).then((r) => ({ id, r })))),
    );
    for (const id of itemIds) {
      const mine = results.filter((x) => x.id === id).map((x) => x.r);
      expect(mine.filter((r) => r.status === 200)).toHaveLength(1);
      for (const r of mine.filter((r) => r.status !== 200)) expect(r.status).toBe(409);
      const events = await store.readStream(`item-${id}`);
      expect(events.filter((e) => e.type === 'ItemAcknowledged')).toHaveLength(1);
    }
  });

  it('If-Match on the same revision from both instances at once: exactly one winner per item, the others 412 or 409 CONCURRENCY_CONFLICT', async () => {
    const results = await Promise.all(
      itemIds.flatMap((id) =>
        Array.from({ length: 6 }, (_, k) => post(k, `/items/${id}/progress`, township(), { note: `进展${k}` }, { 'If-Match': '"1"' }).then((r) => ({ id, r }))),
      ),
    );
    for (const id of itemIds) {
      const mine = results.filter((x) => x.id === id).map((x) => x.r);
      const won = mine.filter((r) => r.status === 200);
      expect(won).toHaveLength(1);
      expect(won[0].body.revision).toBe(2);
      for (const r of mine.filter((r) => r.status !== 200)) {
        expect([412, 409]).toContain(r.status);
        if (r.status === 409) expect(r.body.code).toBe('CONCURRENCY_CONFLICT');
      }
      const events = await store.readStream(`item-${id}`);
      expect(events.map((e) => e.type)).toEqual(['ItemAssigned', 'ItemAcknowledged', 'ProgressReported']);
    }
  });

  it('progress without If-Match (retried on conflict) from both instances: every report lands exactly once, revisions consecutive', async () => {
    const before = await Promise.all(itemIds.map((id) => store.readStream(`item-${id}`)));
    const results = await Promise.all(
      itemIds.flatMap((id) =>
        Array.from({ length: 4 }, (_, k) => post(k, `/items/${id}/progress`, township(), { note: `第${k}次进展` }).then((r) => ({ id, r }))),
      ),
    );
    for (const [n, id] of itemIds.entries()) {
      const mine = results.filter((x) => x.id === id).map((x) => x.r);
      // Four writers on one stream with four attempts each: all land, unless one kept losing (then a 409).
      const ok = mine.filter((r) => r.status === 200);
      for (const r of mine.filter((r) => r.status !== 200)) expect(r.body.code).toBe('CONCURRENCY_CONFLICT');
      const revisions = ok.map((r) => r.body.revision as number).sort((a, b) => a - b);
      const base = before[n].length - 1;
      expect(revisions).toEqual(revisions.map((_, i) => base + 1 + i));
      const after = await store.readStream(`item-${id}`);
      expect(after.length).toBe(before[n].length + ok.length);
      expect(after.map((e) => e.revision)).toEqual(after.map((_, i) => i));
      expect(ok.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('one Idempotency-Key sent to both instances at once: one answer, one event; another body under that key is a 422 on either', async () => {
    const id = itemIds[1];
    const before = (await store.readStream(`item-${id}`)).length;
    const body = { level: 'urge', note: '请于本周内报送整改进展' };
    const answers = await Promise.all([0, 1, 2, 3, 4, 5].map((k) => post(k, `/items/${id}/urge`, inspector(), body, { 'Idempotency-Key': 'urge-once-0001' })));
    for (const r of answers) expect(r.status).toBe(200);
    expect(new Set(answers.map((r) => JSON.stringify(r.body))).size).toBe(1);
    const after = await store.readStream(`item-${id}`);
    expect(after.length).toBe(before + 1);
    expect(after[after.length - 1].type).toBe('ItemUrged');
    // Later, on each instance: the first answer again, nothing written.
    for (const k of [0, 1]) {
      const again = await post(k, `/items/${id}/urge`, inspector(), body, { 'Idempotency-Key': 'urge-once-0001' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(answers[0].body);
      const other = await post(k, `/items/${id}/urge`, inspector(), { ...body, note: '另一内容' }, { 'Idempotency-Key': 'urge-once-0001' });
      expect(other.status).toBe(422);
    }
    expect((await store.readStream(`item-${id}`)).length).toBe(before + 1);
  });

  it('the log is gap-free with every event once, and the instance without a projector reads what the other projected', async () => {
    const head = await store.headPosition();
    const all = await store.readAll({ after: 0n, limit: 100_000 });
    expect(all.map((e) => e.position)).toEqual(all.map((_, i) => BigInt(i + 1)));
    expect(BigInt(all.length)).toBe(head);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    for (const id of itemIds) {
      const events = await store.readStream(`item-${id}`);
      const last = events[events.length - 1];
      const res = await http[1].get(`${API}/items/${id}?minPosition=${head}`).set('Authorization', org());
      expect(res.status).toBe(200);
      expect(res.body.revision).toBe(last.revision);
      expect(res.headers.etag).toBe(`"${last.revision}"`);
    }
  });
});
