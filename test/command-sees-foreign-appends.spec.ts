/**
 * The API keeps each stream's fold between commands, and on SQLite answers a stream read from what its
 * store knows of the stream's tail. Another process appending to the stream between two commands
 * through this API must still be seen by the second: its If-Match, its decision and its answer are the
 * ones a whole read of the stream would give (API.md: 412 on a stale If-Match, 409 with the rule's
 * code). The other process is a real second store instance: on the same SQLite file, and on the same
 * PostgreSQL database, appending through the command loop as another API would.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { itemStream } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { FixedClock, loadConfig, openEventStore, type LedgerConfig } from '@ledger/platform';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import request from 'supertest';
import { createApp, type LedgerApp } from '../apps/api/src/create-app';
import { tokenCommand } from '../apps/cli/src/token';

const API = '/api/v1';
const SECRET = 'foreign-appends-secret-0123456789';
// One county clock for the API and the other process: 09:00 on 2026-03-02; the item falls due on 2026-12-31.
const clock = new FixedClock(new Date('2026-03-02T01:00:00Z'));

describe.each([['SQLite'], ['PostgreSQL']])('commands through the API after another process appended to the stream (%s)', (engine) => {
  let pg: TestPostgres | undefined;
  let dir: string;
  let config: LedgerConfig;
  let app: LedgerApp;
  let http: ReturnType<typeof request>;
  let other: EventStore;
  let otherLoop: CommandLoop;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'foreign-appends-'));
    const env: Record<string, string> = { LEDGER_DATA_DIR: dir, LEDGER_JWT_SECRET: SECRET, LEDGER_DEADLINE_WORKER: 'off' };
    if (engine === 'PostgreSQL') {
      pg = await startTestPostgres();
      Object.assign(env, { LEDGER_EVENT_STORE: 'postgres', LEDGER_EVENT_STORE_URL: pg.url, LEDGER_READ_DB_URL: await createTestDatabase(pg.serverUrl) });
    }
    config = loadConfig(env);
    app = await createApp({ config, clock, logger: false });
    await app.init();
    http = request(app.getHttpServer());
    other = await openEventStore(config);
    otherLoop = new CommandLoop(other, clock);
  }, 180_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await other?.close();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const bearer = (role: 'admin' | 'org_dept' | 'unit', unit?: string) =>
    `Bearer ${tokenCommand(config, { role, unit, sub: `${role}-${unit ?? 'county'}`, name: role })}`;
  const post = (route: string, auth: string, body: object, headers: Record<string, string> = {}) => {
    let req = http.post(`${API}${route}`).set('Authorization', auth);
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return req.send(body).then((r) => r);
  };
  const otherMeta = (n: number): CommandMeta => ({
    actor: { userId: 'org-other', role: 'org_dept', unitId: null, name: '组织部' },
    correlationId: `other-${n}`,
    commandId: `other-${n}`,
    idempotencyKey: null,
    ifMatch: null,
  });
  /** Another API's command on the item, through its own store instance. */
  const otherCommand = async (n: number, type: 'UrgeItem' | 'WithdrawItem', data: object) => {
    const meta = otherMeta(n);
    return handleCommand(otherLoop, itemCommand(new Facts(otherLoop), type as 'UrgeItem', 'item-1', data as never, meta), meta);
  };

  it('sees the other process between two commands: If-Match, the decision and the revision answered are the stream as it is', async () => {
    const org = bearer('org_dept');
    const township = bearer('unit', 'township');
    expect((await post('/units', bearer('admin'), { id: 'county', name: '县委', kind: 'county_committee' })).status).toBe(201);
    expect((await post('/units', org, { id: 'township', name: '大华镇党委', kind: 'township_committee', parentId: 'county' })).status).toBe(201);
    expect((await post('/cadres', org, { id: 'cadre-1', name: '张三', unitId: 'township', post: '书记' })).status).toBe(201);
    expect((await post('/sheets', org, { id: 'sheet-1', number: '县委巡察〔2026〕1号', title: '巡察反馈问题整改清单', issuedOn: '2026-03-01' })).status).toBe(
      201,
    );
    const item = { id: 'item-1', sheetId: 'sheet-1', title: '整改事项1', unitId: 'township', cadreId: 'cadre-1', dueDate: '2026-12-31' };
    expect((await post('/items', org, item)).body.revision).toBe(0);

    // Two commands through the API: its fold of the item is at revision 1 after the second.
    expect((await post('/items/item-1/acknowledge', township, {})).body.revision).toBe(1);
    // A stale If-Match: 412, after the API has looked at the stream since its own last append.
    expect((await post('/items/item-1/progress', township, { note: '已整改一半' }, { 'If-Match': '"0"' })).status).toBe(412);
    // The other process urges the item: revision 2.
    expect(await otherCommand(1, 'UrgeItem', { level: 'reminder', channel: null, note: null })).toMatchObject({ kind: 'appended', revision: 2 });

    // If-Match on the revision the other process made is current, not stale.
    const fresh = await post('/items/item-1/progress', township, { note: '已整改一半' }, { 'If-Match': '"2"' });
    expect(fresh.status).toBe(200);
    expect(fresh.body.revision).toBe(3);

    // The other process again; the API's own last revision is now stale: 412, nothing appended.
    expect(await otherCommand(2, 'UrgeItem', { level: 'reminder', channel: null, note: '请加快' })).toMatchObject({ kind: 'appended', revision: 4 });
    const stale = await post('/items/item-1/progress', township, { note: '继续整改' }, { 'If-Match': '"3"' });
    expect(stale.status).toBe(412);
    // Without If-Match the progress lands after the other's urge.
    const after = await post('/items/item-1/progress', township, { note: '继续整改' });
    expect(after.status).toBe(200);
    expect(after.body.revision).toBe(5);

    // The other process withdraws the item: the API's next command is decided on the withdrawn item
    // (a rule's 409), not on its fold from before (which would append, or lose a race: CONCURRENCY_CONFLICT).
    expect(await otherCommand(3, 'WithdrawItem', { reason: '不再需要' })).toMatchObject({ kind: 'appended', revision: 6 });
    const refused = await post('/items/item-1/complete', township, { summary: '已完成' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).not.toBe('CONCURRENCY_CONFLICT');

    const types = (await other.readStream(itemStream('item-1'))).map((e) => e.type);
    expect(types).toEqual(['ItemAssigned', 'ItemAcknowledged', 'ItemUrged', 'ProgressReported', 'ItemUrged', 'ProgressReported', 'ItemWithdrawn']);
  }, 120_000);
});
