/**
 * The event store port promises positions that increase, not 1, 2, 3 … (EventStoreDB's are
 * byte offsets). Here a real SQLite store leaves unused numbers between its events (its test-only
 * testPositionGaps) and the service's integrity and operations figures are checked on it: sealing
 * and verifying the chains, and the projector's lag, which counts events (not head − checkpoint).
 * The story and the as-of suite run on the same kind of store in story.spec.ts and as-of.spec.ts.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { openSqliteEventStore, type SqliteEventStore } from '@ledger/event-store';
import { loadConfig, sqliteEventStoreFile, type LedgerConfig } from '@ledger/platform';
import { createApp } from '../apps/api/src/create-app';
import { sealCommand, verifyCommand } from '../apps/cli/src/verify';
import { captureOutput } from '@ledger/platform/testing/capture-output';

const GAPS = 50;
const EVENTS = 9;

describe('a ledger whose positions have gaps (SQLite test gaps, as EventStoreDB numbers its log)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** EVENTS events, one per item stream; answers the config and the positions the store gave them. */
  async function ledger(): Promise<{ config: LedgerConfig; positions: bigint[] }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-gaps-'));
    dirs.push(dir);
    const config = loadConfig({ LEDGER_DATA_DIR: dir, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL', LEDGER_DEADLINE_WORKER: 'off' });
    const store = await openSqliteEventStore({ file: sqliteEventStoreFile(config), synchronous: 'NORMAL', testPositionGaps: GAPS });
    const positions: bigint[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const r = await store.append(
        `item-${i}`,
        [{ id: randomUUID(), type: 'ItemUrged', schemaVersion: 1, data: { level: 'urge', i }, metadata: {} }],
        'no_stream',
      );
      positions.push(r.position);
    }
    await store.close();
    // The gaps are real: some step between two events is more than one.
    expect(positions.some((p, i) => i > 0 && p - positions[i - 1] > 1n)).toBe(true);
    expect(positions[EVENTS - 1] > BigInt(EVENTS)).toBe(true);
    return { config, positions };
  }

  it('ledger seal and ledger verify check its chains (exit 0); an edited event is named by its own position (exit 1)', async () => {
    const { config, positions } = await ledger();
    const c = captureOutput();
    try {
      expect(await sealCommand(config)).toBe(0);
      // The seal covers the last event's position, and is itself the next event, after a gap or not.
      const seal = JSON.parse(c.out());
      expect(seal.position).toBe(positions[EVENTS - 1].toString());
      expect(BigInt(seal.sealEventPosition) > positions[EVENTS - 1]).toBe(true);
      expect(await verifyCommand(config, {})).toBe(0);
      expect(c.err()).toContain(`verified ${EVENTS + 1} events and 1 seals`);

      // More events, then a second seal: the sealer resumes from the first (its position checked against the store's, gaps and all).
      const more = await openSqliteEventStore({ file: sqliteEventStoreFile(config), synchronous: 'NORMAL' });
      for (let i = 0; i < 3; i++)
        await more.append(`item-more-${i}`, [{ id: randomUUID(), type: 'ItemUrged', schemaVersion: 1, data: { level: 'urge', i }, metadata: {} }], 'no_stream');
      const head = await more.headPosition();
      await more.close();
      const before = c.out().length;
      expect(await sealCommand(config)).toBe(0);
      expect(JSON.parse(c.out().slice(before)).position).toBe(head.toString());
      expect(await verifyCommand(config, {})).toBe(0);
      expect(c.err()).toContain(`verified ${EVENTS + 1 + 3 + 1} events and 2 seals`);

      const edited = positions[4];
      const db = new Database(sqliteEventStoreFile(config));
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run('{"level":"urge","i":99}', Number(edited));
      db.close();
      expect(await verifyCommand(config, {})).toBe(1);
      expect(c.err()).toContain(`NOT verified: first break at position ${edited} (item-4#0): stream_hash_mismatch`);
    } finally {
      c.restore();
    }
  }, 60_000);

  it('/health/ready and /metrics give the lag in events behind, not the difference of positions', async () => {
    const { config, positions } = await ledger();
    // The store reopened (it keeps its gaps); no projector: the read models hold nothing, EVENTS behind.
    const store: SqliteEventStore = await openSqliteEventStore({ file: sqliteEventStoreFile(config), synchronous: 'NORMAL' });
    expect(store.contiguousPositions).toBe(false);
    expect(await store.countEvents(0n, await store.headPosition())).toBe(EVENTS);
    expect(await store.countEvents(positions[2], positions[6])).toBe(4);
    expect(await store.countEvents(positions[2], positions[6], 3)).toBe(3);
    const app = await createApp({ config, store, projector: false, logger: false });
    try {
      await app.init();
      const http = request(app.getHttpServer());
      const ready = await http.get('/health/ready');
      expect({ head: ready.body.head, checkpoint: ready.body.checkpoint, lag: ready.body.lag }).toEqual({
        head: positions[EVENTS - 1].toString(),
        checkpoint: '0',
        lag: String(EVENTS),
      });
      const metrics = await http.get('/metrics').expect(200);
      expect(metrics.text).toMatch(new RegExp(`^ledger_projector_lag ${EVENTS}$`, 'm'));
      expect(metrics.text).toMatch(new RegExp(`^ledger_store_head_position ${positions[EVENTS - 1]}$`, 'm'));
    } finally {
      await app.close();
      await store.close();
    }
  }, 60_000);
});
