import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { SCHEMA_VERSIONS, STREAM_PREFIX } from '@ledger/contracts/events';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { eventually } from '@ledger/platform/testing/eventually';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { openReadModels } from '@ledger/read-models';
import { deadLetters, parseNotifyConfig, replayDeadLetter } from '@ledger/read-models/notifications';
import { startNotifier, type RunningNotifier } from './notifier';
import { Receiver } from './testing/receiver';

/** The notifier with its outbox, checkpoint and lease in PostgreSQL (LEDGER_READ_DB_URL), delivering to real receivers. */
describe('the notifier on PostgreSQL read models', () => {
  let dir: string;
  let pg: TestPostgres;
  let store: EventStore;
  const open: DataSource[] = [];
  let notifier: RunningNotifier | null = null;
  let ok: Receiver;
  let failing: Receiver;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notifier-pg-'));
    pg = await startTestPostgres();
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    ok = await Receiver.start('ok');
    failing = await Receiver.start('fail');
  }, 180_000);
  afterAll(async () => {
    await notifier?.stop();
    for (const ds of open) await ds.destroy();
    await ok?.close();
    await failing?.close();
    await store?.close();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers, parks a failing message as a dead letter and delivers it once replayed', async () => {
    const url = await createTestDatabase(pg.serverUrl);
    const [ds, leaseDs] = [await openReadModels({ dataDir: dir, readDbUrl: url }), await openReadModels({ dataDir: dir, readDbUrl: url })];
    open.push(ds, leaseDs);
    const config = parseNotifyConfig(
      JSON.stringify({
        delivery: { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 50, timeoutMs: 5000 },
        channels: { ok: { type: 'wecom', url: ok.url('/') }, failing: { type: 'dingtalk', url: failing.url('/') } },
        routes: [
          { roles: ['unit'], channels: ['ok'] },
          { roles: ['inspector'], channels: ['failing'] },
        ],
      }),
    );
    notifier = await startNotifier(ds, leaseDs, store, { holder: 'pg', ttlMs: 2000, config: () => config });
    await eventually('the notifier leads', () => notifier!.state === 'leader');
    const append = async (itemId: string, type: 'ItemAssigned' | 'CompletionReported', data: object) => {
      const id = randomUUID();
      await store.append(
        STREAM_PREFIX.item + itemId,
        [
          {
            id,
            type,
            schemaVersion: SCHEMA_VERSIONS[type],
            data,
            metadata: { actor: { userId: 'u', role: 'org_dept', unitId: null }, correlationId: id, causationId: id },
          },
        ],
        'any',
      );
    };
    for (const n of [1, 2, 3]) {
      await append(`I${n}`, 'ItemAssigned', {
        itemId: `I${n}`,
        sheetId: 's1',
        title: `事项 ${n}`,
        requirements: '按期办结',
        unitId: `T${n}`,
        supportUnitIds: [],
        cadreId: 'K1',
        leaderId: null,
        dueDate: '2026-11-30',
      });
    }
    await append('I2', 'CompletionReported', { itemId: 'I2', summary: '已完成', evidence: [] });
    await eventually('three assignments delivered and the report a dead letter', async () => ok.received.length >= 3 && (await deadLetters(ds)).length === 1);
    expect(ok.received.map((r) => (JSON.parse(r.body) as { markdown: { content: string } }).markdown.content.split('\n')[0]).sort()).toEqual([
      '### 【交办】事项 1',
      '### 【交办】事项 2',
      '### 【交办】事项 3',
    ]);
    const [dead] = await deadLetters(ds);
    expect(dead).toMatchObject({ kind: 'awaiting_review', itemId: 'I2', channel: 'failing', attempts: 2 });
    expect(dead.attemptLog.map((a) => [a.n, a.outcome, a.httpStatus])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
    ]);
    failing.mode = 'ok';
    expect(await replayDeadLetter(ds, dead.id)).toBe('replayed');
    notifier.wake();
    await eventually('the replayed message is delivered', async () => {
      const [row] = await ds.query(`SELECT "status" FROM "nt_outbox" WHERE "id" = $1`, [dead.id]);
      return row.status === 'delivered';
    });
    expect(failing.received.map((r) => r.headers['idempotency-key'])).toEqual([dead.id, dead.id, dead.id]);
  }, 120_000);
});
