import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import { MIGRATIONS, migrate, openPostgresEventStore, openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { loadOrCreateSealKey } from './keys';
import { verifyLedger } from './verify-ledger';

const pg = useTestPostgres();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-integrity-migration-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const key = loadOrCreateSealKey(path.join(tmp, 'seal-key.pem'));

const data = (i: number) => ({ itemId: `i-${i % 3}`, note: `第${i}次催办`, z: 1, a: [i, null] });
const metadata = (i: number) => ({ actor: { userId: 'u-1', role: 'inspector' }, correlationId: `c-${i}`, recordedAt: '2026-03-02T09:00:00.000+08:00' });

async function appendMore(store: EventStore): Promise<void> {
  await store.append('item-new', [{ id: randomUUID(), type: 'ItemUrged', schemaVersion: 1, data: { level: 'urge' }, metadata: {} }], 'no_stream');
  await store.append('item-i-0', [{ id: randomUUID(), type: 'ItemUrged', schemaVersion: 1, data: { level: 'notice' }, metadata: {} }], 'any');
}

describe('a store created before the hash chains', () => {
  it('SQLite: opens, gets its chains computed once, verifies, and chains on from there', async () => {
    const file = path.join(tmp, 'old.sqlite');
    const db = new Database(file);
    // The table as the store created it before the chains (no hash columns).
    db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL, stream TEXT NOT NULL, revision INTEGER NOT NULL,
      type TEXT NOT NULL, schema_version INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL);
      CREATE UNIQUE INDEX events_id ON events (id); CREATE UNIQUE INDEX events_stream_revision ON events (stream, revision);`);
    const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (let i = 1; i <= 30; i++) {
      insert.run(
        i,
        randomUUID(),
        `item-i-${i % 3}`,
        Math.floor((i - 1) / 3),
        'ItemUrged',
        1,
        JSON.stringify(data(i)),
        JSON.stringify(metadata(i)),
        metadata(i).recordedAt,
      );
    }
    db.close();
    const store = await openSqliteEventStore({ file });
    try {
      expect((await store.readAll({ after: 0n, limit: 1 }))[0].streamHash).toMatch(/^[0-9a-f]{64}$/);
      expect(await verifyLedger(store, key.publicKey)).toMatchObject({ ok: true, checked: 30 });
      await appendMore(store);
      expect(await verifyLedger(store, key.publicKey)).toMatchObject({ ok: true, checked: 32 });
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL: migration 2 backfills the chains in its transaction; the store verifies and chains on', async () => {
    const url = await pg.freshDatabase();
    const pool = new Pool({ connectionString: url, max: 1 });
    try {
      expect(await migrate(pool, 'ledger_events', MIGRATIONS.slice(0, 1))).toEqual([1]);
      // Appends through the version-1 append function, as a store of that version made them.
      for (let i = 1; i <= 30; i++) {
        const appends = [
          {
            stream: `item-i-${i % 3}`,
            expected: 'any',
            events: [{ id: randomUUID(), type: 'ItemUrged', schema_version: 1, recorded_at: metadata(i).recordedAt, recorded_at_given: true, k: 1 }],
          },
        ];
        await pool.query(`SELECT ledger_events.ledger_append_batch($1::jsonb, $2::text[], 'x')`, [
          JSON.stringify(appends),
          [JSON.stringify(data(i)), JSON.stringify(metadata(i))],
        ]);
      }
    } finally {
      await pool.end();
    }
    const store = await openPostgresEventStore({ url });
    try {
      expect(await verifyLedger(store, key.publicKey)).toMatchObject({ ok: true, checked: 30 });
      await appendMore(store);
      expect(await verifyLedger(store, key.publicKey)).toMatchObject({ ok: true, checked: 32 });
    } finally {
      await store.close();
    }
  });
});
