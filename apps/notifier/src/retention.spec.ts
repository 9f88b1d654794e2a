import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { SCHEMA_VERSIONS, STREAM_PREFIX, type EventPayloads, type EventType } from '@ledger/contracts/events';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { eventually } from '@ledger/platform/testing/eventually';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { openReadModels } from '@ledger/read-models';
import { deadLetters, parseNotifyConfig, replayDeadLetter } from '@ledger/read-models/notifications';
import { parseBulletinPeriod, type BulletinData } from '@ledger/sheets-io';
import { startNotifier, type RunningNotifier } from './notifier';
import { Receiver } from './testing/receiver';

const DAY = 86_400_000;
const zero = { total: 0, open: 0, overdue: 0, dueSoon: 0, awaitingReview: 0, concluded: 0, struckOff: 0, withdrawn: 0, closureRate: 0, onTimeRate: 0 };
/** A month's figures as the read models would give them (the bulletin's words are not what this tests). */
const figures = (period: string): BulletinData => ({
  period: parseBulletinPeriod(period)!,
  countyName: '湟源县委',
  asOf: '2026-11-30T15:59:59.999Z',
  position: '1',
  day: '2026-11-30',
  county: zero,
  townships: [],
  overdue: [],
  returns: [],
  decisions: [],
});

/**
 * Retention of delivered messages, on both engines the outbox lives in, with real receivers on
 * 127.0.0.1 and a moved clock: delivered rows and their attempts go once past the retention, dead
 * letters stay (a replayed one goes once delivered), and a notifier restarted after the purge sends
 * nothing again: neither the purged events' messages (the checkpoint is not in the rows) nor the
 * month's bulletin (its key is kept apart from the rows).
 */
describe.each(['SQLite', 'PostgreSQL'] as const)('the outbox retention on %s', (engine) => {
  let dir: string;
  let pg: TestPostgres | null = null;
  let store: EventStore;
  let ds: DataSource;
  let leaseDs: DataSource;
  let ok: Receiver;
  let failing: Receiver;
  let notifier: RunningNotifier | null = null;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notifier-retention-'));
    if (engine === 'PostgreSQL') pg = await startTestPostgres();
    const readDbUrl = pg ? await createTestDatabase(pg.serverUrl) : null;
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    ds = await openReadModels({ dataDir: dir, readDbUrl });
    leaseDs = await openReadModels({ dataDir: dir, readDbUrl });
    ok = await Receiver.start('ok');
    failing = await Receiver.start('fail');
  }, 180_000);
  afterAll(async () => {
    await notifier?.stop();
    await ok?.close();
    await failing?.close();
    await ds?.destroy();
    await leaseDs?.destroy();
    await store?.close();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  let clock = Date.parse('2026-11-20T02:00:00Z');
  const config = () =>
    parseNotifyConfig(
      JSON.stringify({
        retention: { deliveredDays: 30 },
        delivery: { maxAttempts: 1, backoffMs: 10, maxBackoffMs: 50, timeoutMs: 5000 },
        channels: { ok: { type: 'wecom', url: ok.url('/') }, failing: { type: 'dingtalk', url: failing.url('/') } },
        routes: [
          { roles: ['unit'], channels: ['ok'] },
          { roles: ['inspector'], channels: ['failing'] },
        ],
        bulletins: { monthly: { day: 1, channels: ['ok'] } },
      }),
    );
  const start = async () => {
    const c = config();
    notifier = await startNotifier(ds, leaseDs, store, {
      holder: engine,
      ttlMs: 2000,
      config: () => c,
      now: () => new Date(clock),
      log: (line) => logs.push(line),
      bulletin: async (period) => figures(period),
    });
    await eventually('the notifier leads', () => notifier!.state === 'leader');
  };
  async function append<K extends EventType>(type: K, data: EventPayloads[K]): Promise<void> {
    const id = randomUUID();
    const stream = STREAM_PREFIX.item + (data as { itemId: string }).itemId;
    const actor = { userId: 'u', role: 'org_dept' as const, unitId: null };
    await store.append(stream, [{ id, type, schemaVersion: SCHEMA_VERSIONS[type], data, metadata: { actor, correlationId: id, causationId: id } }], 'any');
  }
  const assign = (itemId: string) =>
    append('ItemAssigned', {
      itemId,
      sheetId: 's1',
      title: `事项 ${itemId}`,
      requirements: '',
      unitId: 'T1',
      supportUnitIds: [],
      cadreId: 'K1',
      leaderId: null,
      dueDate: '2026-12-30',
    });
  const keys = (r: Receiver) => r.received.map((x) => String(x.headers['idempotency-key']));
  const count = async (sql: string): Promise<number> => Number((await ds.query(sql))[0].n);

  it('purges what was delivered past the retention, keeps dead letters, and a restart after the purge sends nothing twice', async () => {
    await start();
    await assign('I1');
    await assign('I2');
    await append('CompletionReported', { itemId: 'I1', summary: '已完成', evidence: [] });
    await append('CompletionReported', { itemId: 'I2', summary: '已完成', evidence: [] });
    await eventually(
      'two assignments delivered and both reports dead letters',
      async () => new Set(keys(ok)).size === 2 && (await deadLetters(ds)).length === 2,
      {
        explain: () => `${logs.join('\n')}\nok: ${keys(ok).join(' ')}\nfailing: ${keys(failing).join(' ')}`,
      },
    );

    // December 1st, 10:00 in the county: November's bulletin goes out; one dead letter is replayed and delivered.
    clock = Date.parse('2026-12-01T02:00:00Z');
    failing.mode = 'ok';
    const [replayed, kept] = await deadLetters(ds);
    expect(await replayDeadLetter(ds, replayed.id)).toBe('replayed');
    notifier!.wake();
    await eventually(
      'the bulletin and the replayed message are delivered',
      async () =>
        new Set(keys(ok)).size === 3 &&
        keys(failing).includes(replayed.id) &&
        (await count(`SELECT COUNT(*) AS "n" FROM "nt_outbox" WHERE "status" = 'delivered'`)) === 4,
    );
    const bulletinId = keys(ok)[2];
    expect(JSON.parse(ok.received[2].body).markdown.content).toContain('【督查通报】');
    // 29 days on, nothing is old enough yet (the assignments were delivered on November 20th: 11 days + 29 > 30, they go).
    clock = Date.parse('2026-12-01T02:00:00Z') + 29 * DAY;
    notifier!.wake();
    await eventually(
      'the assignments delivered 40 days ago are purged',
      async () => (await count(`SELECT COUNT(*) AS "n" FROM "nt_outbox" WHERE "status" = 'delivered'`)) === 2,
    );
    expect((await ds.query(`SELECT "id" FROM "nt_outbox" WHERE "status" = 'delivered' ORDER BY "id"`)).map((r: { id: string }) => r.id)).toEqual(
      [bulletinId, replayed.id].sort(),
    );

    // December 31st, 12:00 in the county, 30 days and 2 hours after December 1st: still December, November's bulletin still "due".
    clock = Date.parse('2026-12-31T04:00:00Z');
    notifier!.wake();
    await eventually(
      'every delivered message is purged',
      async () => (await count(`SELECT COUNT(*) AS "n" FROM "nt_outbox" WHERE "status" = 'delivered'`)) === 0,
    );
    // Their attempts went with them; the dead letter that was never replayed keeps its row and its attempt (one allowed: the clock stands still between passes).
    expect(await count(`SELECT COUNT(*) AS "n" FROM "nt_outbox"`)).toBe(1);
    expect(await count(`SELECT COUNT(*) AS "n" FROM "nt_attempt"`)).toBe(1);
    const [dead] = await deadLetters(ds);
    expect([dead.id, dead.attemptLog.map((a) => a.outcome)]).toEqual([kept.id, ['failed']]);
    expect(logs.some((l) => /^retention: deleted \d+ message\(s\) delivered before /.test(l))).toBe(true);

    // A restart: a new notifier with nothing in memory, on the same outbox and checkpoint.
    await notifier!.stop();
    notifier = null;
    const before = logs.length;
    await start();
    // It decides about November's bulletin, still due on December 31st, at its first pass: it must know it was sent.
    await eventually('the restarted notifier decides about the bulletin', () => logs.slice(before).some((l) => l.startsWith('bulletin 2026-11: ')));
    expect(logs.slice(before).filter((l) => l.startsWith('bulletin 2026-11: '))).toEqual(['bulletin 2026-11: in the outbox already']);
    await assign('I3');
    await eventually('the new assignment is delivered', () => new Set(keys(ok)).size === 4);
    // Each message reached the receiver exactly once: I1, I2, the bulletin and I3 (nothing purged came back).
    const sent = keys(ok);
    expect(sent.length).toBe(4);
    expect(new Set(sent).size).toBe(4);
    expect(keys(failing).filter((k) => k === replayed.id).length).toBe(2);
  }, 120_000);
});
