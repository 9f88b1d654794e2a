import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { bodyHashHexOfText, globalLinkHash, streamLinkHash } from '../hash-chain';
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
      WHERE n.nspname = 'ledger_events' AND p.proname IN ('ledger_append_batch', 'ledger_append_each', 'ledger_append_group') ORDER BY p.proname`,
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
      expect(await functionSettings(client)).toEqual({ ledger_append_batch: null, ledger_append_each: generic, ledger_append_group: generic });
      const { rows } = await client.query('SELECT version FROM ledger_events.schema_migrations ORDER BY version');
      expect(rows.map((r: { version: number }) => r.version)).toEqual([1, 2, 3, 4, 5]);
    });
  });
});

/** The JSON of one append as ledger_append_batch took it before migration 5 (events k.. of the payloads). */
function batchAppend(stream: string, expected: string, ids: string[], firstK: number, data: string, metadata: string) {
  return {
    stream,
    expected,
    events: ids.map((id, i) => ({
      id,
      type: 'ItemUrged',
      schema_version: 1,
      recorded_at: '2026-03-01T09:30:00.000+08:00',
      recorded_at_given: true,
      h: bodyHashHexOfText(id, 'ItemUrged', 1, data, metadata),
      k: firstK + i,
    })),
  };
}

describe('PostgreSQL event store: migration 5, stream heads from the events', () => {
  it("a store written at migration 4 goes on from each stream's last event, and a process of the version before still appends", async () => {
    const url = await pg.freshDatabase();
    const data = '{"n":1}';
    const metadata = '{"recordedAt":"2026-03-01T09:30:00.000+08:00"}';
    const pool = new Pool({ connectionString: url, max: 1 });
    try {
      expect(await migrate(pool, 'ledger_events', MIGRATIONS.slice(0, 4))).toEqual([1, 2, 3, 4]);
      // Groups as the store of migration 4 sent them: a set of two streams, then a stream with two events.
      const ids = Array.from({ length: 5 }, () => randomUUID());
      for (const appends of [
        [batchAppend('item-a', 'no_stream', [ids[0]], 1, data, metadata), batchAppend('item-b', 'no_stream', [ids[1]], 2, data, metadata)],
        [batchAppend('item-a', '0', [ids[2], ids[3]], 1, data, metadata), batchAppend('item-b', 'any', [ids[4]], 3, data, metadata)],
      ]) {
        await pool.query(`SELECT ledger_events.ledger_append_batch($1::jsonb, $2::text[], 'x')`, [
          JSON.stringify(appends),
          Array(6)
            .fill(0)
            .map((_, i) => (i % 2 ? metadata : data)),
        ]);
      }
    } finally {
      await pool.end();
    }
    const store = await openPostgresEventStore({ url });
    try {
      await withClient(url, async (client) => {
        expect((await client.query(`SELECT to_regclass('ledger_events.streams') AS t`)).rows[0].t).toBeNull();
      });
      expect(
        await Promise.all([store.append('item-a', [event()], 2), store.append('item-b', [event()], 1), store.append('item-c', [event()], 'no_stream')]),
      ).toEqual([
        { revision: 3, position: 6n },
        { revision: 2, position: 7n },
        { revision: 0, position: 8n },
      ]);
      await expect(store.append('item-a', [event()], 2)).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT', actual: 3 });
      await expect(store.append('item-d', [event()], 'stream_exists')).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT', actual: 'no_stream' });
      // A process started before migration 5 calls ledger_append_batch as it did.
      const late = randomUUID();
      await withClient(url, (client) =>
        client.query(`SELECT ledger_events.ledger_append_batch($1::jsonb, $2::text[], 'x')`, [
          JSON.stringify([batchAppend('item-b', '2', [late], 1, data, metadata)]),
          [data, metadata],
        ]),
      );
      expect(await store.append('item-b', [event()], 3)).toEqual({ revision: 4, position: 10n });

      // Every link recomputed here from the stored rows, in position order: no break across the migration.
      const all = await store.readAll({ after: 0n, limit: 100 });
      expect(all.map((e) => `${e.stream}@${e.revision}`)).toEqual([
        'item-a@0',
        'item-b@0',
        'item-a@1',
        'item-a@2',
        'item-b@1',
        'item-a@3',
        'item-b@2',
        'item-c@0',
        'item-b@3',
        'item-b@4',
      ]);
      const heads = new Map<string, Buffer>();
      let global: Buffer | null = null;
      for (const e of all) {
        const body = bodyHashHexOfText(e.id, e.type, e.schemaVersion, JSON.stringify(e.data), JSON.stringify(e.metadata));
        const link = streamLinkHash(e.stream, e.revision, e.position, Buffer.from(body, 'hex'), heads.get(e.stream) ?? null);
        global = globalLinkHash(link, global);
        heads.set(e.stream, link);
        expect({ position: e.position, stream: e.streamHash, global: e.globalHash }).toEqual({
          position: e.position,
          stream: link.toString('hex'),
          global: global.toString('hex'),
        });
      }
    } finally {
      await store.close();
    }
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
      const appends = [batchAppend('item-quiet', 'no_stream', [id], 1, data, metadata)];
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
