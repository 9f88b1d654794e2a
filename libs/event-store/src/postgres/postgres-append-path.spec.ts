import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { bodyHashHexOfText } from '../hash-chain';
import { MIGRATIONS, migrate } from './migrations';
import { openPostgresEventStore } from './postgres-event-store';

const pg = useTestPostgres();

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Each append function's settings (pg_proc.proconfig), by name. */
async function functionSettings(client: Client): Promise<Record<string, string[] | null>> {
  const { rows } = await client.query<{ proname: string; proconfig: string[] | null }>(
    `SELECT p.proname, p.proconfig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'ledger_events' AND p.proname IN ('ledger_append_batch', 'ledger_append_each') ORDER BY p.proname`,
  );
  return Object.fromEntries(rows.map((r) => [r.proname, r.proconfig]));
}

describe('PostgreSQL event store: the append functions', () => {
  it('run on generic plans, also in a store created at migration 3 and opened again', async () => {
    const url = await pg.freshDatabase();
    const pool = new Pool({ connectionString: url, max: 1 });
    try {
      expect(await migrate(pool, 'ledger_events', MIGRATIONS.slice(0, 3))).toEqual([1, 2, 3]);
    } finally {
      await pool.end();
    }
    await withClient(url, async (client) => expect(await functionSettings(client)).toEqual({ ledger_append_batch: null, ledger_append_each: null }));
    const store = await openPostgresEventStore({ url });
    try {
      // Both paths still write. The first append of each round goes alone (the lane was idle); the two
      // queued behind it form a group: two streams (one set), then one stream twice (append by append).
      const first = await Promise.all([
        store.append('item-a', [event()], 'no_stream'),
        store.append('item-b', [event()], 'no_stream'),
        store.append('item-c', [event()], 'no_stream'),
      ]);
      const second = await Promise.all([store.append('item-b', [event()], 0), store.append('item-a', [event()], 0), store.append('item-a', [event()], 'any')]);
      expect([...first, ...second]).toEqual([
        { revision: 0, position: 1n },
        { revision: 0, position: 2n },
        { revision: 0, position: 3n },
        { revision: 1, position: 4n },
        { revision: 1, position: 5n },
        { revision: 2, position: 6n },
      ]);
    } finally {
      await store.close();
    }
    await withClient(url, async (client) => {
      const generic = ['plan_cache_mode=force_generic_plan'];
      expect(await functionSettings(client)).toEqual({ ledger_append_batch: generic, ledger_append_each: generic });
      const { rows } = await client.query('SELECT version FROM ledger_events.schema_migrations ORDER BY version');
      expect(rows.map((r: { version: number }) => r.version)).toEqual([1, 2, 3, 4]);
    });
  });
});

describe('PostgreSQL event store: a lost wake-up', () => {
  it('an append committed with no NOTIFY reaches a live subscriber of another instance by the fallback poll', async () => {
    const url = await pg.freshDatabase();
    const reader = await openPostgresEventStore({ url, fallbackPollMs: 200 });
    const seen: bigint[] = [];
    const subscription = reader.subscribe((batch) => void seen.push(...batch.map((e) => e.position)), { after: 0n });
    try {
      await subscription.caughtUp();
      // The append function notifies the channel it is given: another channel is a NOTIFY the reader
      // never hears, as when an appender's notification is lost.
      const data = '{"n":1}';
      const metadata = '{"recordedAt":"2026-03-01T09:30:00.000+08:00"}';
      const id = randomUUID();
      const appends = [
        {
          stream: 'item-quiet',
          expected: 'no_stream',
          events: [
            {
              id,
              type: 'ItemUrged',
              schema_version: 1,
              recorded_at: '2026-03-01T09:30:00.000+08:00',
              recorded_at_given: true,
              h: bodyHashHexOfText(id, 'ItemUrged', 1, data, metadata),
              k: 1,
            },
          ],
        },
      ];
      const head = await withClient(url, async (client) => {
        const { rows } = await client.query<{ r: { head: string } }>(`SELECT ledger_events.ledger_append_batch($1::jsonb, $2::text[], 'nobody_listens') AS r`, [
          JSON.stringify(appends),
          [data, metadata],
        ]);
        return BigInt(rows[0].r.head);
      });
      expect(head).toBe(1n);
      expect(await subscription.waitFor(1n, 30_000)).toBe(true);
      expect(seen).toEqual([1n]);
    } finally {
      await subscription.stop();
      await reader.close();
    }
  });
});

function event(): { id: string; type: string; schemaVersion: number; data: unknown; metadata: Record<string, unknown> } {
  return { id: randomUUID(), type: 'ItemUrged', schemaVersion: 1, data: { n: 1 }, metadata: { correlationId: 'c-1' } };
}
