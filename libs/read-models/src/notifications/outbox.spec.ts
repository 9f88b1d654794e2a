import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { SCHEMA_VERSIONS, STREAM_PREFIX, type Actor, type EventPayloads, type EventType } from '@ledger/contracts/events';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { openReadModels } from '../data-source';
import {
  applyNotificationEvents,
  deadLetters,
  dueMessages,
  ensureNotifyFrom,
  messageId,
  notifierCheckpoint,
  outboxMessage,
  parseNotifyConfig,
  recordAttempt,
  replayDeadLetter,
  attemptsOf,
} from '.';

const ORG: Actor = { userId: 'u-org', role: 'org_dept', unitId: null };
const SYSTEM: Actor = { userId: 'system', role: 'system', unitId: null };
const CONFIG = parseNotifyConfig(
  JSON.stringify({
    link: 'http://ledger.test',
    channels: {
      hook: { type: 'webhook', url: 'http://127.0.0.1:1/hook', secret: 's' },
      ding: { type: 'dingtalk', url: 'http://127.0.0.1:1/ding' },
      sms: { type: 'sms', url: 'http://127.0.0.1:1/sms', to: ['13800000000'], template: { text: '{{text}}' } },
      wecom: { type: 'wecom', url: 'http://127.0.0.1:1/wecom' },
    },
    routes: [
      { roles: ['unit'], channels: ['hook'] },
      { roles: ['unit'], units: ['T1'], channels: ['ding', 'hook'] },
      { roles: ['leader'], channels: ['sms'] },
      { roles: ['inspector'], channels: ['wecom'] },
      { roles: ['discipline'], channels: ['hook'] },
    ],
  }),
);

const engines: Array<[string, boolean]> = [
  ['SQLite', false],
  ['PostgreSQL', true],
];

describe.each(engines)('the notification outbox on %s', (_name, postgres) => {
  let dir: string;
  let pg: TestPostgres | null = null;
  let store: EventStore;
  let ds: DataSource;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-'));
    if (postgres) pg = await startTestPostgres();
  }, 180_000);
  afterAll(async () => {
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'case-'));
    store = await openSqliteEventStore({ file: path.join(sub, 'events.sqlite'), synchronous: 'NORMAL' });
    ds = await openReadModels({ dataDir: sub, readDbUrl: pg ? await createTestDatabase(pg.serverUrl) : null });
  });
  afterEach(async () => {
    await ds.destroy();
    await store.close();
  });

  const ids: Record<string, string> = {};
  async function append<K extends EventType>(type: K, data: EventPayloads[K], actor: Actor = ORG, name?: string): Promise<void> {
    const id = randomUUID();
    if (name) ids[name] = id;
    const stream =
      type === 'UnitRegistered' ? STREAM_PREFIX.unit + (data as { unitId: string }).unitId : STREAM_PREFIX.item + (data as { itemId: string }).itemId;
    await store.append(stream, [{ id, type, schemaVersion: SCHEMA_VERSIONS[type], data, metadata: { actor, correlationId: id, causationId: id } }], 'any');
  }
  const assigned = (itemId: string, unitId: string, leaderId: string | null, dueDate: string): EventPayloads['ItemAssigned'] => ({
    itemId,
    sheetId: 's1',
    title: `事项 ${itemId}`,
    requirements: '按期办结',
    unitId,
    supportUnitIds: [],
    cadreId: 'K1',
    leaderId,
    dueDate,
  });
  const now = new Date('2026-11-02T01:00:00Z');
  async function follow(batch = 3): Promise<void> {
    for (;;) {
      const events = await store.readAll({ after: await notifierCheckpoint(ds), limit: batch });
      if (!events.length) return;
      await ds.transaction((em) => applyNotificationEvents(em, events, CONFIG, { contiguous: true, now }));
    }
  }
  async function rows(): Promise<string[]> {
    const all: { kind: string; itemId: string; audience: string; channel: string; payload: string }[] = await ds.query(
      `SELECT "kind", "itemId", "audience", "channel", "payload" FROM "nt_outbox" ORDER BY "position", "audience", "channel"`,
    );
    return all.map((r) => `${r.kind} ${r.itemId} ${r.audience} ${r.channel} ${JSON.parse(r.payload).dueDate}`);
  }

  it('turns each event into messages for the right people on the configured channels, from the first start on', async () => {
    // Before the notifier first started: folded (I0's title and unit are known later), never announced.
    await append('UnitRegistered', { unitId: 'T1', name: '和平乡党委', kind: 'township_committee', parentId: null });
    await append('ItemAssigned', assigned('I0', 'T1', 'L0', '2026-11-05'));
    await ds.transaction((em) => ensureNotifyFrom(em, 2n));
    await append('ItemAssigned', assigned('I1', 'T1', 'L1', '2026-11-10'), ORG, 'assignI1');
    await append('ItemAssigned', assigned('I2', 'T2', null, '2026-11-12'));
    await append('ItemAcknowledged', { itemId: 'I1', unitId: 'T1' });
    await append('ItemUrged', { itemId: 'I1', level: 'urge', channel: null, note: '请加快' });
    await append('ItemUrged', { itemId: 'I1', level: 'reminder', channel: '系统提醒', note: null }, SYSTEM);
    await append('ItemUrged', { itemId: 'I2', level: 'reminder', channel: null, note: null }); // a person's 提醒: an urge
    await append('DeadlineMissed', { itemId: 'I0', dueDate: '2026-11-05' }, SYSTEM);
    await append('CompletionReported', { itemId: 'I2', summary: '已完成', evidence: [] });
    await append('CompletionReturned', { itemId: 'I2', reason: '材料不全' });
    await append('ItemReassigned', { itemId: 'I2', unitId: 'T1', cadreId: 'K2', previousUnitId: 'T2', previousCadreId: 'K1', reason: '职责调整' });
    await append('ExtensionGranted', { itemId: 'I1', newDueDate: '2026-11-20', previousDueDate: '2026-11-10', note: null, extensionNumber: 1 });
    await append('DeadlineMissed', { itemId: 'I1', dueDate: '2026-11-20' }, SYSTEM);
    const target = { kind: 'cadre' as const, id: 'K1' };
    await append('AccountabilityReferred', { itemId: 'I1', target, to: 'organisation', note: null });
    await append('AccountabilityReferred', { itemId: 'I1', target, to: 'discipline', note: null });
    await append('AccountabilityDecided', {
      itemId: 'I1',
      decisionId: 'D1',
      target,
      form: 'admonishment',
      dispositionForm: 1,
      decidedBy: '县纪委监委',
      decidedOn: '2026-11-25',
      documentNo: null,
      effectMonths: null,
      reason: '逾期',
    });
    await follow();

    // By hand from the table in DOMAIN.md / issue 19 and CONFIG's routes (a unit gets hook; T1's also ding; leaders sms; inspectors wecom; discipline hook).
    expect(await rows()).toEqual([
      'assigned I1 unit:T1 ding 2026-11-10',
      'assigned I1 unit:T1 hook 2026-11-10',
      'assigned I2 unit:T2 hook 2026-11-12',
      'urged I1 unit:T1 ding 2026-11-10',
      'urged I1 unit:T1 hook 2026-11-10',
      'due_soon I1 leader:T1 sms 2026-11-10',
      'due_soon I1 unit:T1 ding 2026-11-10',
      'due_soon I1 unit:T1 hook 2026-11-10',
      'urged I2 unit:T2 hook 2026-11-12',
      'overdue I0 leader:T1 sms 2026-11-05',
      'overdue I0 unit:T1 ding 2026-11-05',
      'overdue I0 unit:T1 hook 2026-11-05',
      'awaiting_review I2 inspector wecom 2026-11-12',
      'returned I2 unit:T2 hook 2026-11-12',
      'assigned I2 unit:T1 ding 2026-11-12',
      'assigned I2 unit:T1 hook 2026-11-12',
      'overdue I1 leader:T1 sms 2026-11-20',
      'overdue I1 unit:T1 ding 2026-11-20',
      'overdue I1 unit:T1 hook 2026-11-20',
      'accountability I1 discipline hook 2026-11-20',
      'accountability I1 discipline hook 2026-11-20',
    ]);
    const first = await outboxMessage(ds, messageId(ids.assignI1, 'unit:T1', 'ding'));
    expect(first).toMatchObject({ status: 'pending', attempts: 0, eventType: 'ItemAssigned', position: '3' });
    expect(first!.payload).toEqual({
      title: '【交办】事项 I1',
      lines: ['按期办结', '完成时限：2026-11-10', '请及时签收办理。'],
      path: '/items/I1',
      dueDate: '2026-11-10',
      unitId: 'T1',
    });
    expect(await notifierCheckpoint(ds)).toBe(await store.headPosition());
  });

  it('writes messages and checkpoint together: a batch that fails leaves neither, and a batch seen twice writes nothing twice', async () => {
    await ds.transaction((em) => ensureNotifyFrom(em, 0n));
    await append('ItemAssigned', assigned('I1', 'T1', null, '2026-11-10'));
    await append('ItemAssigned', assigned('I2', 'T2', null, '2026-11-10'));
    const events = await store.readAll({ after: 0n, limit: 10 });
    await expect(
      ds.transaction(async (em) => {
        await applyNotificationEvents(em, events, CONFIG, { contiguous: true, now });
        throw new Error('killed before commit');
      }),
    ).rejects.toThrow('killed before commit');
    expect(await rows()).toEqual([]);
    expect(await notifierCheckpoint(ds)).toBe(0n);
    await ds.transaction((em) => applyNotificationEvents(em, events.slice(0, 1), CONFIG, { contiguous: true, now }));
    await ds.transaction((em) => applyNotificationEvents(em, events, CONFIG, { contiguous: true, now }));
    expect(await rows()).toEqual(['assigned I1 unit:T1 ding 2026-11-10', 'assigned I1 unit:T1 hook 2026-11-10', 'assigned I2 unit:T2 hook 2026-11-10']);
    // An event that does not follow the checkpoint is refused (a lost event), nothing written.
    await append('ItemAssigned', assigned('I3', 'T2', null, '2026-11-10'));
    await append('ItemAssigned', assigned('I4', 'T2', null, '2026-11-10'));
    const [, fourth] = await store.readAll({ after: 2n, limit: 2 });
    await expect(ds.transaction((em) => applyNotificationEvents(em, [fourth], CONFIG, { contiguous: true, now }))).rejects.toThrow(/handed position 4/);
    expect(await notifierCheckpoint(ds)).toBe(2n);
  });

  it('records every attempt, backs off, parks a message that keeps failing as a dead letter, and replays it', async () => {
    await ds.transaction((em) => ensureNotifyFrom(em, 0n));
    await append('ItemAssigned', assigned('I2', 'T2', null, '2026-11-10'), ORG, 'assignI2');
    await follow();
    const id = messageId(ids.assignI2, 'unit:T2', 'hook');
    const t0 = Date.parse('2026-11-02T01:00:00Z');
    expect((await dueMessages(ds, t0, 10)).map((m) => m.id)).toEqual([id]);
    const fail = { ok: false, httpStatus: 500, error: 'HTTP 500: down', ms: 3 };
    expect(await recordAttempt(ds, id, fail, { at: new Date(t0), retryInMs: 1000, maxAttempts: 3 })).toBe('pending');
    expect(await dueMessages(ds, t0 + 999, 10)).toEqual([]);
    expect((await dueMessages(ds, t0 + 1000, 10)).map((m) => m.attempts)).toEqual([1]);
    expect(
      await recordAttempt(
        ds,
        id,
        { ...fail, httpStatus: null, error: 'no answer within 200 ms' },
        { at: new Date(t0 + 1000), retryInMs: 2000, maxAttempts: 3 },
      ),
    ).toBe('pending');
    expect((await outboxMessage(ds, id))!.nextAttemptAt).toBe(t0 + 3000);
    expect(await recordAttempt(ds, id, fail, { at: new Date(t0 + 3000), retryInMs: 4000, maxAttempts: 3 })).toBe('dead');
    expect(await dueMessages(ds, t0 + 1e9, 10)).toEqual([]);
    const dead = await deadLetters(ds);
    expect(dead.map((d) => [d.id, d.status, d.attempts, d.lastError])).toEqual([[id, 'dead', 3, 'HTTP 500: down']]);
    expect(dead[0].attemptLog.map((a) => [a.n, a.at, a.outcome, a.httpStatus, a.error])).toEqual([
      [1, '2026-11-02T01:00:00.000Z', 'failed', 500, 'HTTP 500: down'],
      [2, '2026-11-02T01:00:01.000Z', 'failed', null, 'no answer within 200 ms'],
      [3, '2026-11-02T01:00:03.000Z', 'failed', 500, 'HTTP 500: down'],
    ]);

    expect(await replayDeadLetter(ds, 'no-such-id')).toBe('not_found');
    expect(await replayDeadLetter(ds, id)).toBe('replayed');
    expect(await replayDeadLetter(ds, id)).toBe('not_dead');
    expect((await dueMessages(ds, t0, 10)).map((m) => [m.id, m.attempts])).toEqual([[id, 0]]);
    expect(await recordAttempt(ds, id, { ok: true, httpStatus: 200, error: null, ms: 2 }, { at: new Date(t0 + 9000), retryInMs: 1000, maxAttempts: 3 })).toBe(
      'delivered',
    );
    // A late second record of the same message (a stale sender) changes nothing.
    expect(await recordAttempt(ds, id, fail, { at: new Date(t0 + 9500), retryInMs: 1000, maxAttempts: 3 })).toBe('delivered');
    expect(await outboxMessage(ds, id)).toMatchObject({ status: 'delivered', deliveredAt: '2026-11-02T01:00:09.000Z', lastError: null });
    expect((await attemptsOf(ds, id)).map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed', 'delivered']);
    expect(await deadLetters(ds)).toEqual([]);
  });
});
