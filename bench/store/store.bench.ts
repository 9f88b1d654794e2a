import Database from 'better-sqlite3';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { NewEvent, openSqliteEventStore, SQLITE_EVENTS_SCHEMA, SqliteEventStore } from '@ledger/event-store';
import { describeMachine, machine } from '../lib/machine';
import { fmt, measure, median, quick, size, tempDir } from '../lib/measure';
import { appenderStream, placeEvents } from '../lib/streams';
import { BenchModule, BenchReport } from '../lib/report';

/*
 * The SQLite event store against its ceiling: plain better-sqlite3 doing the same inserts and reads on
 * an equivalent table (same DDL), in the same run, on the same disk. The ceiling gets its rows
 * pre-encoded (strict: our figures include JSON encoding and decoding; the ceiling's do not).
 */

const STREAMS = 1000;

function itemAssigned(i: number): NewEvent {
  const itemId = randomUUID();
  return {
    id: randomUUID(),
    type: 'ItemAssigned',
    schemaVersion: 1,
    data: {
      itemId,
      sheetId: randomUUID(),
      title: `关于大华镇黄茂村党支部落实“三会一课”制度的整改事项（第${i}项）`,
      requirements: '对照问题清单逐项整改，建立整改台账，按期报送整改情况和佐证材料，确保问题清仓见底、销号管理。',
      unitId: randomUUID(),
      supportUnitIds: [randomUUID()],
      cadreId: randomUUID(),
      leaderId: randomUUID(),
      dueDate: '2026-06-30',
    },
    metadata: {
      actor: { userId: randomUUID(), role: 'org_dept', unitId: null, name: '王组织' },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      recordedAt: '2026-03-01T09:30:00.000+08:00',
    },
  };
}

function makeEvents(n: number): NewEvent[] {
  return Array.from({ length: n }, (_, i) => itemAssigned(i));
}

type PlainRow = [string, string, number, string, number, string, string, string];

/** What the store would write for these events, encoded ahead of the timed loop. */
function encodeRows(events: NewEvent[], streamOf: (i: number) => string = (i) => `item-${i % STREAMS}`): PlainRow[] {
  const places = placeEvents(events.length, streamOf);
  return events.map((e, i) => {
    const [stream, revision] = places[i];
    return [e.id, stream, revision, e.type, e.schemaVersion, JSON.stringify(e.data), JSON.stringify(e.metadata), e.metadata.recordedAt as string];
  });
}

function plainDb(file: string, synchronous: 'FULL' | 'NORMAL'): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('cache_size = -65536');
  db.exec(SQLITE_EVENTS_SCHEMA);
  return db;
}

function ceilingInsert(
  file: string,
  synchronous: 'FULL' | 'NORMAL',
  rows: PlainRow[],
  perTransaction: number,
): Promise<ReturnType<typeof measure> extends Promise<infer R> ? R : never> {
  const db = plainDb(file, synchronous);
  const insert = db.prepare('INSERT INTO events (id, stream, revision, type, schema_version, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  return measure(rows.length, () => {
    for (let i = 0; i < rows.length; i += perTransaction) {
      begin.run();
      const end = Math.min(rows.length, i + perTransaction);
      for (let j = i; j < end; j++) insert.run(...rows[j]);
      commit.run();
    }
  }).finally(() => db.close());
}

async function oneAppender(file: string, events: NewEvent[]) {
  const store = await openSqliteEventStore({ file, synchronous: 'NORMAL' });
  const revisions = new Array<number>(STREAMS).fill(-1);
  try {
    return await measure(events.length, async () => {
      for (let i = 0; i < events.length; i++) {
        const k = i % STREAMS;
        const r = revisions[k];
        revisions[k] = (await store.append(`item-${k}`, [events[i]], r < 0 ? 'no_stream' : r)).revision;
      }
    });
  } finally {
    await store.close();
  }
}

async function concurrentAppenders(file: string, events: NewEvent[], appenders: number) {
  const store = await openSqliteEventStore({ file, synchronous: 'FULL' });
  try {
    const rate = await measure(events.length, () =>
      Promise.all(
        Array.from({ length: appenders }, async (_, w) => {
          // Each appender works on its own streams, with a real expected revision.
          const revisions = new Map<string, number>();
          const streamOf = appenderStream(appenders);
          for (let i = w; i < events.length; i += appenders) {
            const stream = streamOf(i);
            const r = revisions.get(stream) ?? -1;
            revisions.set(stream, (await store.append(stream, [events[i]], r < 0 ? 'no_stream' : r)).revision);
          }
        }),
      ),
    );
    return { ...rate, commits: store.stats.commits, eventsPerCommit: store.stats.eventsWritten / store.stats.commits };
  } finally {
    await store.close();
  }
}

export interface ReadJob {
  file: string;
  events: number;
  rounds: number;
}
export interface ReadResult {
  loadedPerSecond: number;
  rounds: { ours: number; ceiling: number; ratio: number }[];
}

function inChild(job: ReadJob): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--read-job', JSON.stringify(job)]);
    let result: ReadResult | null = null;
    child.on('message', (m) => (result = m as ReadResult));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`read job exited with ${code}`))));
  });
}

async function readJob(job: ReadJob): Promise<ReadResult> {
  const templates = makeEvents(1000);
  const store = await openSqliteEventStore({ file: job.file, synchronous: 'NORMAL' });
  let loadRate;
  try {
    loadRate = await load(store, job.events, templates);
  } finally {
    await store.close();
  }
  const cp = new Database(job.file);
  cp.pragma('wal_checkpoint(TRUNCATE)');
  cp.close();
  const reader = await openSqliteEventStore({ file: job.file, synchronous: 'NORMAL' });
  try {
    await plainRead(job.file, job.events); // warm the page cache for both
    const rounds: ReadResult['rounds'] = [];
    for (let r = 0; r < job.rounds; r++) {
      // Alternate the order so that neither side always runs on the warmer cache.
      const first = r % 2 === 0 ? await plainRead(job.file, job.events) : null;
      const ours = await storeRead(reader, job.events);
      const c = first ?? (await plainRead(job.file, job.events));
      rounds.push({ ours: ours.perSecond, ceiling: c.perSecond, ratio: ours.perSecond / c.perSecond });
    }
    return { loadedPerSecond: loadRate.perSecond, rounds };
  } finally {
    await reader.close();
  }
}

if (process.argv[2] === '--read-job' && process.send) {
  readJob(JSON.parse(process.argv[3]) as ReadJob).then(
    (r) => process.send?.(r, () => process.exit(0)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/** Loads `n` events through the store: 64 appenders of 10-event batches, group-committed. */
async function load(store: SqliteEventStore, n: number, template: NewEvent[]) {
  let next = 0;
  return measure(n, () =>
    Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < n) {
          const start = next;
          next += 10;
          const batch: NewEvent[] = [];
          for (let i = start; i < Math.min(n, start + 10); i++) {
            const t = template[i % template.length];
            batch.push({ ...t, id: randomUUID() });
          }
          await store.append(`item-${start / 10}`, batch, 'no_stream');
        }
      }),
    ),
  );
}

function plainRead(file: string, total: number) {
  const db = new Database(file, { readonly: true });
  const stmt = db.prepare(
    'SELECT position, id, stream, revision, type, schema_version, data, metadata, recorded_at FROM events WHERE position > ? ORDER BY position LIMIT ?',
  );
  return measure(total, () => {
    let after = 0;
    let seen = 0;
    for (;;) {
      const rows = stmt.all(after, 1000) as { position: number }[];
      if (!rows.length) break;
      seen += rows.length;
      after = rows[rows.length - 1].position;
    }
    if (seen !== total) throw new Error(`plain read saw ${seen} of ${total}`);
  }).finally(() => db.close());
}

async function storeRead(store: SqliteEventStore, total: number) {
  return measure(total, async () => {
    let after = 0n;
    let seen = 0;
    let bytes = 0;
    for (;;) {
      const events = await store.readAll({ after, limit: 1000 });
      if (!events.length) break;
      seen += events.length;
      // Touch the decoded payload so the work cannot be skipped.
      bytes += (events[events.length - 1].data as { title: string }).title.length;
      after = events[events.length - 1].position;
    }
    if (seen !== total || bytes === 0) throw new Error(`store read saw ${seen} of ${total}`);
  });
}

interface Figure {
  figure: string;
  durability: string;
  ours: number;
  ceilingName: string;
  ceiling: number;
  ratio: number;
  target: number | null;
  rounds: { ours: number; ceiling: number; ratio: number }[];
  extra?: Record<string, unknown>;
}

function figure(
  name: string,
  durability: string,
  ceilingName: string,
  target: number | null,
  rounds: Figure['rounds'],
  extra?: Record<string, unknown>,
): Figure {
  return {
    figure: name,
    durability,
    ours: median(rounds.map((r) => r.ours)),
    ceilingName,
    ceiling: median(rounds.map((r) => r.ceiling)),
    ratio: median(rounds.map((r) => r.ratio)),
    target,
    rounds,
    extra,
  };
}

export const storeBench: BenchModule = {
  name: 'store',
  async run(): Promise<BenchReport> {
    const m = machine();
    const startedAt = new Date().toISOString();
    const sizes = {
      oneAppender: size('BENCH_STORE_ONE', 20_000, 2_000),
      concurrent: size('BENCH_STORE_CONCURRENT', 40_000, 4_000),
      appenders: size('BENCH_STORE_APPENDERS', 32, 32),
      read: size('BENCH_STORE_READ', 100_000, 10_000),
      large: size('BENCH_STORE_LARGE', 1_000_000, 100_000),
      rounds: size('BENCH_ROUNDS', 3, 1),
    };
    const sample = itemAssigned(0);
    const payloadBytes = Buffer.byteLength(JSON.stringify(sample.data));
    const metadataBytes = Buffer.byteLength(JSON.stringify(sample.metadata));
    const tmp = tempDir('ledger-bench-store-');
    const file = (name: string) => path.join(tmp.dir, `${name}-${randomUUID()}.sqlite`);
    const figures: Figure[] = [];
    const log = (s: string) => console.log(`  ${s}`);
    try {
      // 1. one appender, NORMAL, one event per append vs one row per transaction
      {
        const rounds: Figure['rounds'] = [];
        for (let r = 0; r < sizes.rounds; r++) {
          const events = makeEvents(sizes.oneAppender);
          const rows = encodeRows(events);
          const ceiling = await ceilingInsert(file('c1'), 'NORMAL', rows, 1);
          const ours = await oneAppender(file('o1'), events);
          rounds.push({ ours: ours.perSecond, ceiling: ceiling.perSecond, ratio: ours.perSecond / ceiling.perSecond });
          log(`one appender NORMAL: ours ${fmt(ours.perSecond)}/s, ceiling ${fmt(ceiling.perSecond)}/s`);
        }
        figures.push(figure('one appender, 1 event per append (events/s)', 'NORMAL', 'plain insert, 1 row per transaction', 0.7, rounds));
      }
      // 2. 32 concurrent appenders, FULL, group commit vs 100 rows per transaction
      {
        const rounds: Figure['rounds'] = [];
        const sameSize: number[] = [];
        const bound: number[] = [];
        let extra: Record<string, unknown> = {};
        for (let r = 0; r < sizes.rounds; r++) {
          const events = makeEvents(sizes.concurrent);
          // The ceilings write the very rows the appenders do, stream and revision included: rows of
          // neighbouring streams share index pages, so another spread of streams is another workload.
          const rows = encodeRows(events, appenderStream(sizes.appenders));
          const ceiling = await ceilingInsert(file('c100'), 'FULL', rows, 100);
          const ours = await concurrentAppenders(file('o32'), events, sizes.appenders);
          // As many rows per transaction as there are appenders: what group commit can reach at best.
          const same = await ceilingInsert(file('cN'), 'FULL', rows, sizes.appenders);
          rounds.push({ ours: ours.perSecond, ceiling: ceiling.perSecond, ratio: ours.perSecond / ceiling.perSecond });
          sameSize.push(ours.perSecond / same.perSecond);
          // A group holds at most the appends waiting on it, one per appender: plain N-row transactions over
          // plain 100-row ones is the best any N-appender group commit can reach against this ceiling.
          bound.push(same.perSecond / ceiling.perSecond);
          extra = {
            commits: ours.commits,
            eventsPerCommit: Math.round(ours.eventsPerCommit * 10) / 10,
            [`ratioToPlain${sizes.appenders}RowsPerTransaction`]: Math.round(median(sameSize) * 100) / 100,
            [`plain${sizes.appenders}RowsOverPlain100Rows`]: Math.round(median(bound) * 100) / 100,
            rounds: rounds.map((x, i) => `${x.ratio.toFixed(2)} (bound ${bound[i].toFixed(2)})`).join(', '),
          };
          log(
            `${sizes.appenders} appenders FULL: ours ${fmt(ours.perSecond)}/s (${extra.eventsPerCommit} events/commit), ceiling 100 rows/tx ${fmt(ceiling.perSecond)}/s, ${sizes.appenders} rows/tx ${fmt(same.perSecond)}/s`,
          );
        }
        figures.push(
          figure(
            `${sizes.appenders} concurrent appenders, 1 event per append, group commit (events/s)`,
            'FULL',
            'plain insert, 100 rows per transaction',
            0.5,
            rounds,
            extra,
          ),
        );
      }
      // 3. for orientation: the FULL one-row ceiling (what a store without group commit could reach)
      {
        const rows = encodeRows(makeEvents(Math.min(sizes.oneAppender, 5_000)));
        const fullOne = await ceilingInsert(file('cf1'), 'FULL', rows, 1);
        const normal100 = await ceilingInsert(file('cn100'), 'NORMAL', rows, 100);
        log(`ceilings: FULL 1 row/tx ${fmt(fullOne.perSecond)}/s, NORMAL 100 rows/tx ${fmt(normal100.perSecond)}/s`);
        figures.push({
          figure: 'ceiling only: plain insert, 1 row per transaction',
          durability: 'FULL',
          ours: NaN,
          ceilingName: '',
          ceiling: fullOne.perSecond,
          ratio: NaN,
          target: null,
          rounds: [],
        });
        figures.push({
          figure: 'ceiling only: plain insert, 100 rows per transaction',
          durability: 'NORMAL',
          ours: NaN,
          ceilingName: '',
          ceiling: normal100.perSecond,
          ratio: NaN,
          target: null,
          rounds: [],
        });
      }
      // 4. readAll with payloads decoded, on a store of `read` events and on one of `large` events. Each
      // in a fresh child process: after loading a million events here, this process's heap skews reads.
      for (const [label, n] of [
        ['readAll in batches of 1,000, payloads decoded (events/s)', sizes.read],
        [`the same readAll with ${fmt(sizes.large)} events stored (events/s)`, sizes.large],
      ] as const) {
        const r = await inChild({ file: file('read'), events: n, rounds: sizes.rounds });
        log(`loaded ${fmt(n)} events at ${fmt(r.loadedPerSecond)}/s (64 appenders × 10-event batches, NORMAL)`);
        for (const x of r.rounds) log(`${label}: ours ${fmt(x.ours)}/s, ceiling ${fmt(x.ceiling)}/s`);
        figures.push(
          figure(label, 'NORMAL', 'plain SELECT in batches of 1,000, rows not decoded', 0.5, r.rounds, {
            loadedPerSecond: Math.round(r.loadedPerSecond),
            events: n,
          }),
        );
      }
    } finally {
      tmp.remove();
    }

    const lines = [
      '## Event store: embedded SQLite',
      '',
      `Run ${startedAt}${quick ? ' (BENCH_QUICK)' : ''} on ${describeMachine(m)}. Temp files under ${process.env.BENCH_DIR || 'the OS temp dir'}.`,
      `Payload: an ItemAssigned with Chinese text, ${payloadBytes} bytes of data + ${metadataBytes} bytes of metadata. ` +
        `Median of ${sizes.rounds} round(s); sizes: ${fmt(sizes.oneAppender)} single appends, ${fmt(sizes.concurrent)} concurrent appends, reads over ${fmt(sizes.read)} and ${fmt(sizes.large)} events.`,
      '',
      '| figure | durability | ours | ceiling | ceiling is | ratio | target |',
      '|---|---|---:|---:|---|---:|---|',
      ...figures.map((f) =>
        Number.isNaN(f.ours)
          ? `| ${f.figure} | ${f.durability} | | ${fmt(f.ceiling)} | | | |`
          : `| ${f.figure} | ${f.durability} | ${fmt(f.ours)} | ${fmt(f.ceiling)} | ${f.ceilingName} | **${f.ratio.toFixed(2)}** | ${f.target === null ? '' : `≥ ${f.target} ${f.ratio >= f.target ? '✓' : '✗'}`} |`,
      ),
      '',
      ...figures
        .filter((f) => f.extra)
        .map(
          (f) =>
            `- ${f.figure}: ${Object.entries(f.extra ?? {})
              .map(([k, v]) => `${k} ${typeof v === 'number' && v >= 100 ? fmt(v) : String(v)}`)
              .join(', ')}`,
        ),
    ];
    return {
      name: 'store',
      title: 'Event store: embedded SQLite',
      startedAt,
      machine: m,
      figures: { sizes, payloadBytes, metadataBytes, figures },
      markdown: lines.join('\n'),
    };
  },
};
