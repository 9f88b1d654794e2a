import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { ConcurrencyError, DuplicateEventIdError, EventTooLargeError, type NewEvent, type StoredEvent, type StreamHeadAt } from '../port';
import { linksFromDefinition } from '../testing/links';
import { migrate } from './migrations';
import { openPostgresEventStore, type PostgresEventStore } from './postgres-event-store';

const pg = useTestPostgres();

function event(data: unknown = { n: 1 }, id = randomUUID()): NewEvent {
  return { id, type: 'ItemUrged', schemaVersion: 1, data, metadata: { correlationId: 'c-1' } };
}

async function withStore<T>(url: string, fn: (store: PostgresEventStore) => Promise<T>): Promise<T> {
  const store = await openPostgresEventStore({ url });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('PostgreSQL event store: schema', () => {
  it('is set up by versioned migrations, applied once even when several stores open at once', async () => {
    const url = await pg.freshDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresEventStore({ url })));
    await Promise.all(stores.map((s) => s.close()));
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT version FROM ledger_events.schema_migrations ORDER BY version');
      expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }]);
      const pool = new Pool({ connectionString: url, max: 1 });
      expect(await migrate(pool, 'ledger_events')).toEqual([]);
      await pool.end();
    } finally {
      await client.end();
    }
  });
});

describe('PostgreSQL event store: appends', () => {
  it('returns stored payload text as written (key order kept) and positions as bigint', async () => {
    const url = await pg.freshDatabase();
    await withStore(url, async (store) => {
      const result = await store.append('item-1', [event({ z: 1, a: { y: 2, b: 3 } }), event({ k: '销号' })], 'no_stream');
      expect(result).toEqual({ revision: 1, position: 2n });
      const read = await store.readStream('item-1');
      expect(read.map((e) => JSON.stringify(e.data))).toEqual(['{"z":1,"a":{"y":2,"b":3}}', '{"k":"销号"}']);
      expect(read.map((e) => e.position)).toEqual([1n, 2n]);
      expect(read[0].recordedAt).toBe(read[0].metadata.recordedAt);
      expect(await store.headPosition()).toBe(2n);
    });
  });

  it('the longest schema its NOTIFY channel allows (63 bytes) appends and reads on one connection: its prepared statements keep apart', async () => {
    const url = await pg.freshDatabase();
    const schema = `ledger_${'e'.repeat(44)}`;
    const store = await openPostgresEventStore({ url, schema, poolSize: 1 });
    try {
      await store.append('item-1', [event()], 'no_stream');
      expect((await store.readStream('item-1')).map((e) => e.revision)).toEqual([0]);
      await store.append('item-1', [event()], 0);
      expect((await store.readStream('item-1', 1)).map((e) => e.position)).toEqual([2n]);
    } finally {
      await store.close();
    }
  });

  it('rejects an oversized event and writes nothing', async () => {
    const url = await pg.freshDatabase();
    const store = await openPostgresEventStore({ url, maxEventBytes: 100 });
    try {
      await expect(store.append('item-1', [event({ ok: 1 }), event({ text: 'x'.repeat(200) })], 'any')).rejects.toBeInstanceOf(EventTooLargeError);
      expect(await store.headPosition()).toBe(0n);
      expect(await store.readStream('item-1')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('one failing append in a group commit does not undo its neighbours', async () => {
    const url = await pg.freshDatabase();
    await withStore(url, async (store) => {
      await store.append('item-x', [event()], 'no_stream');
      const outcomes = await Promise.allSettled([
        store.append('item-a', [event()], 'no_stream'),
        store.append('item-x', [event()], 'no_stream'),
        store.append('item-b', [event()], 'no_stream'),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
      const all = await store.readAll({ after: 0n, limit: 100 });
      expect(all.map((e) => [e.stream, e.position])).toEqual([
        ['item-x', 1n],
        ['item-a', 2n],
        ['item-b', 3n],
      ]);
    });
  });
});

describe('PostgreSQL event store: a group written as one set', () => {
  it('an append the set cannot write (a bad recordedAt) fails alone; the rest keep gap-free positions and unbroken links', async () => {
    const url = await pg.freshDatabase();
    await withStore(url, async (store) => {
      await store.append('item-a', [event()], 'no_stream');
      const bad: NewEvent = { ...event(), metadata: { recordedAt: 'not a time' } };
      const outcomes = await Promise.allSettled([
        store.append('item-a', [event(), event()], 0),
        store.append('item-b', [bad], 'no_stream'),
        store.append('item-c', [event()], 'no_stream'),
        store.append('item-d', [event()], 5),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
      expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
      const all = await store.readAll({ after: 0n, limit: 100 });
      expect(all.map((e) => [e.stream, e.revision, e.position])).toEqual([
        ['item-a', 0, 1n],
        ['item-a', 1, 2n],
        ['item-a', 2, 3n],
        ['item-c', 0, 4n],
      ]);
      expect(all.map((e) => [e.streamHash, e.globalHash])).toEqual(linksFromDefinition(all).map((l) => [l.streamHash, l.globalHash]));
      expect(await store.headPosition()).toBe(4n);
    });
  });
});

describe('PostgreSQL event store: stream heads in pages', () => {
  // The one-shot query streamHeadsAt ran before it paged through a cursor: the answer to match.
  const ONE_SHOT = `SELECT h.stream, h.revision, e.position::text AS position, encode(e.stream_hash, 'hex') AS hash
    FROM (SELECT stream, max(revision) AS revision, min(position) AS first FROM ledger_events.events WHERE position <= $1 GROUP BY stream) h
    JOIN ledger_events.events e ON e.stream = h.stream AND e.revision = h.revision
    ORDER BY h.first`;

  it('pages smaller than the heads give the one-shot answer; stopping early ends the transaction and frees the client', async () => {
    const url = await pg.freshDatabase();
    const store = await openPostgresEventStore({ url, headsPageSize: 3 });
    // The pool is private; its counts are the one observable that a client came back.
    const pool = (store as unknown as { pool: Pool }).pool;
    const checkedOut = () => pool.totalCount - pool.idleCount;
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      for (let round = 0; round < 3; round++) {
        for (let s = 0; s < 11; s++) if ((s + round) % 4 !== 0) await store.append(`item-${s}`, [event({ s, round })], 'any');
      }
      const cut = 17n;
      const { rows } = await client.query(ONE_SHOT, [cut.toString()]);
      const expected = rows.map((r) => ({ stream: r.stream, revision: r.revision, position: BigInt(r.position), streamHash: r.hash ?? '' }));
      expect(expected.length).toBeGreaterThan(3);
      expect(expected.every((h) => h.streamHash.length === 64 && h.position <= cut)).toBe(true);

      const heads: StreamHeadAt[] = [];
      let heldWhileIterating = 0;
      for await (const h of store.streamHeadsAt(cut)) {
        heldWhileIterating = Math.max(heldWhileIterating, checkedOut());
        heads.push(h);
      }
      expect(heads).toEqual(expected);
      expect(heldWhileIterating).toBe(1);
      expect(checkedOut()).toBe(0);

      const firstFour: StreamHeadAt[] = [];
      for await (const h of store.streamHeadsAt(cut)) {
        firstFour.push(h);
        if (firstFour.length === 4) break;
      }
      expect(firstFour).toEqual(expected.slice(0, 4));
      expect(checkedOut()).toBe(0);
      const { rows: open } = await client.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
      );
      expect(open[0].n).toBe(0);
    } finally {
      await client.end();
      await store.close();
    }
  });

  it('refuses a page size that is not a positive integer', async () => {
    await expect(openPostgresEventStore({ url: 'postgres://localhost:1/never-reached', headsPageSize: 0 })).rejects.toThrow(/headsPageSize/);
  });
});

describe('PostgreSQL event store: races between processes', () => {
  it('exactly one of many concurrent no_stream appends (separate pools) wins; the rest get ConcurrencyError', async () => {
    const url = await pg.freshDatabase();
    const stores = await Promise.all(Array.from({ length: 8 }, () => openPostgresEventStore({ url, poolSize: 2 })));
    try {
      const outcomes = await Promise.allSettled(stores.map((s) => s.append('sheet_number-2024-01', [event()], 'no_stream')));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.status === 'rejected')) {
        expect((o as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
      }
      expect(await stores[0].readStream('sheet_number-2024-01')).toHaveLength(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('the same events retried concurrently from many stores are written once and all get the original result', async () => {
    const url = await pg.freshDatabase();
    const stores = await Promise.all(Array.from({ length: 8 }, () => openPostgresEventStore({ url, poolSize: 2 })));
    try {
      const batch = [event({ a: 1 }), event({ b: 2 })];
      const results = await Promise.all(stores.map((s) => s.append('item-retry', batch, 'any')));
      expect(new Set(results.map((r) => `${r.revision}/${r.position}`))).toEqual(new Set(['1/2']));
      expect(await stores[0].headPosition()).toBe(2n);
      const changed = [batch[0], { ...batch[1], data: { b: 3 } }];
      await expect(stores[1].append('item-retry', changed, 'any')).rejects.toBeInstanceOf(DuplicateEventIdError);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('numbered expected revisions from concurrent writers form one unbroken chain', async () => {
    const url = await pg.freshDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresEventStore({ url, poolSize: 2 })));
    try {
      // Each writer loops read → append(expected = last revision) → retry on conflict, like the command path.
      const perWriter = 25;
      await Promise.all(
        stores.map(async (store, w) => {
          for (let i = 0; i < perWriter; i++) {
            for (;;) {
              const events = await store.readStream('item-chain');
              const expected = events.length === 0 ? 'no_stream' : events[events.length - 1].revision;
              try {
                await store.append('item-chain', [event({ w, i })], expected);
                break;
              } catch (e) {
                if (!(e instanceof ConcurrencyError)) throw e;
              }
            }
          }
        }),
      );
      const chain = await stores[0].readStream('item-chain');
      expect(chain.map((e) => e.revision)).toEqual(Array.from({ length: 4 * perWriter }, (_, i) => i));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

describe('PostgreSQL event store: ordering under concurrent writers', () => {
  it('16 writers × 1,000 events: a subscriber tailing from 0 sees every event once, in order, positions 1..N', async () => {
    const url = await pg.freshDatabase();
    const writers = 16;
    const perWriter = 1000;
    const total = writers * perWriter;
    const reader = await openPostgresEventStore({ url });
    const stores = await Promise.all(Array.from({ length: writers }, () => openPostgresEventStore({ url, poolSize: 2 })));
    const seen: StoredEvent[] = [];
    const subscription = reader.subscribe((batch) => void seen.push(...batch), { after: 0n, batchSize: 300 });
    try {
      const started = Date.now();
      await Promise.all(
        stores.map(async (store, w) => {
          // Each writer keeps several appends in flight, as an API process under load does.
          const lanes = 8;
          await Promise.all(
            Array.from({ length: lanes }, async (_, lane) => {
              for (let i = lane; i < perWriter; i += lanes) {
                await store.append(`item-w${w}-${i % 50}`, [event({ w, i })], 'any');
              }
            }),
          );
        }),
      );
      const elapsed = Date.now() - started;
      console.log(`postgres: ${total} appends by ${writers} writers in ${elapsed} ms (${Math.round((total * 1000) / elapsed)}/s)`);
      expect(await reader.headPosition()).toBe(BigInt(total));
      expect(await subscription.waitFor(BigInt(total), 30_000)).toBe(true);
      expect(seen).toHaveLength(total);
      expect(seen.every((e, i) => e.position === BigInt(i + 1))).toBe(true);
      expect(new Set(seen.map((e) => e.id)).size).toBe(total);
      // Per writer, per stream, the store kept each stream's revisions contiguous too.
      const revisions = new Map<string, number>();
      for (const e of seen) {
        expect(e.revision).toBe((revisions.get(e.stream) ?? -1) + 1);
        revisions.set(e.stream, e.revision);
      }
    } finally {
      await subscription.stop();
      await Promise.all(stores.map((s) => s.close()));
      await reader.close();
    }
  }, 180_000);

  it('a live subscriber is woken by NOTIFY, not by the slow fallback poll', async () => {
    const url = await pg.freshDatabase();
    // A fallback this long would fail the 10 s wait below if notifications were not delivered.
    const reader = await openPostgresEventStore({ url, fallbackPollMs: 60_000 });
    const writer = await openPostgresEventStore({ url });
    const seen: bigint[] = [];
    const subscription = reader.subscribe((batch) => void seen.push(...batch.map((e) => e.position)), { after: 0n });
    try {
      await subscription.caughtUp();
      await waitForListener(url);
      const { position } = await writer.append('item-live', [event()], 'no_stream');
      expect(await subscription.waitFor(position, 10_000)).toBe(true);
      expect(seen).toEqual([1n]);
    } finally {
      await subscription.stop();
      await writer.close();
      await reader.close();
    }
  });
});

/** Probe: the reader's LISTEN connection is registered on the server. */
async function waitForListener(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < 500; i++) {
      const { rows } = await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'");
      if (rows[0].n > 0) return;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error('no LISTEN connection appeared');
  } finally {
    await client.end();
  }
}
