import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CommandLoop, handleCommand, type CommandMeta } from '@ledger/application';
import type { Actor, LedgerEvent } from '@ledger/contracts/events';
import { isRejection, itemDecider, type ItemCommand, type ItemState } from '@ledger/domain';
import { openPostgresEventStore, openSqliteEventStore, type EventStore, type NewEvent } from '@ledger/event-store';
import { createTestDatabase, startTestPostgres } from '@ledger/platform/testing/postgres';
import { describeMachine, machine } from '../lib/machine';
import { measure, size, tempDir } from '../lib/measure';
import type { BenchModule, BenchReport } from '../lib/report';

/*
 * Emmett (event-driven-io), the best-known Node event store, beside ours in one run: the same appends,
 * the same reads and the same command (our item decider's ReportProgress, folded from the stream and
 * appended with the expected version) on the same disk and the same PostgreSQL server, at the same
 * durability (SQLite: WAL with synchronous FULL on both sides, Emmett's default build; PostgreSQL:
 * fsync and synchronous_commit on). Emmett is installed into bench/peer only for this module, so a
 * plain `npm ci` never builds its native sqlite3.
 */

/** bench/peer of the checkout this module was built from (dist/bench/peer → the repository root). */
const PEER_DIR = path.resolve(__dirname, '..', '..', '..', 'bench', 'peer');

interface PeerEvent {
  type: string;
  data: object;
  metadata?: Record<string, unknown>;
}
interface PeerStore {
  appendToStream(stream: string, events: PeerEvent[], options?: { expectedStreamVersion?: bigint | string }): Promise<{ nextExpectedStreamVersion: bigint }>;
  readStream(stream: string): Promise<{ events: PeerEvent[]; currentStreamVersion: bigint; streamExists: boolean }>;
  /** What Emmett's CommandHandler reads the state with. */
  aggregateStream(stream: string, options: object): Promise<unknown>;
  close?(): Promise<void>;
}
type PeerHandler = <S>(options: {
  evolve(state: S, event: PeerEvent): S;
  initialState(): S;
}) => (store: PeerStore, id: string, handle: (state: S) => PeerEvent[]) => Promise<unknown>;
interface Peer {
  version: { core: string; sqlite: string; postgresql: string };
  STREAM_DOES_NOT_EXIST: string;
  CommandHandler: PeerHandler;
  sqlite(file: string): PeerStore;
  postgresql(url: string): PeerStore;
}

function loadPeer(): Peer {
  const marker = path.join(PEER_DIR, 'node_modules', '@event-driven-io', 'emmett-sqlite', 'package.json');
  if (!fs.existsSync(marker)) {
    console.log('installing Emmett into bench/peer (once; builds sqlite3 from source)…');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEER_DIR, stdio: 'inherit' });
  }
  const req = createRequire(path.join(PEER_DIR, 'package.json'));
  const core = req('@event-driven-io/emmett') as { CommandHandler: PeerHandler; STREAM_DOES_NOT_EXIST: string };
  const sqlite = req('@event-driven-io/emmett-sqlite') as { getSQLiteEventStore(o: { fileName: string; schema: { autoMigration: string } }): PeerStore };
  const pg = req('@event-driven-io/emmett-postgresql') as { getPostgreSQLEventStore(url: string): PeerStore };
  const version = (name: string) =>
    (JSON.parse(fs.readFileSync(path.join(PEER_DIR, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    version: {
      core: version('@event-driven-io/emmett'),
      sqlite: version('@event-driven-io/emmett-sqlite'),
      postgresql: version('@event-driven-io/emmett-postgresql'),
    },
    STREAM_DOES_NOT_EXIST: core.STREAM_DOES_NOT_EXIST,
    CommandHandler: core.CommandHandler,
    sqlite: (fileName) => sqlite.getSQLiteEventStore({ fileName, schema: { autoMigration: 'CreateOrUpdate' } }),
    postgresql: (url) => pg.getPostgreSQLEventStore(url),
  };
}

const ORG: Actor = { userId: 'bench-org', role: 'org_dept', unitId: null, name: '组织部' };
const UNIT: Actor = { userId: 'bench-unit', role: 'unit', unitId: 'unit-1', name: '联络员' };
const META = { correlationId: 'bench', causationId: 'bench', recordedAt: '2026-03-01T09:30:00.000+08:00' };

function assigned(itemId: string): LedgerEvent {
  return {
    type: 'ItemAssigned',
    data: {
      itemId,
      sheetId: 'sheet-1',
      title: '关于大华镇黄茂村党支部落实“三会一课”制度的整改事项',
      requirements: '对照问题清单逐项整改，建立整改台账，按期报送整改情况和佐证材料，确保问题清仓见底、销号管理。',
      unitId: 'unit-1',
      supportUnitIds: [],
      cadreId: 'cadre-1',
      leaderId: null,
      dueDate: '2026-06-30',
    },
  };
}
const toNew = (e: LedgerEvent, actor: Actor): NewEvent => ({ id: randomUUID(), type: e.type, schemaVersion: 1, data: e.data, metadata: { actor, ...META } });
const toPeer = (e: LedgerEvent, actor: Actor): PeerEvent => ({ type: e.type, data: e.data, metadata: { actor, ...META } });

/** One side of the comparison: the few operations both stores offer, in each one's own API. */
interface Side {
  append(stream: string, event: LedgerEvent, expected: number): Promise<number>;
  readStream(stream: string): Promise<number>;
  progress(itemId: string, note: string): Promise<void>;
  close(): Promise<void>;
}

const CONTEXT = { actor: UNIT, now: '2026-03-10T09:00:00.000+08:00', today: '2026-03-10' };
function progressCommand(itemId: string, note: string): ItemCommand {
  return { type: 'ReportProgress', context: CONTEXT, data: { itemId, note }, facts: { inActorScope: true } } as ItemCommand;
}

function ours(store: EventStore): Side {
  const loop = new CommandLoop(store, { now: () => new Date('2026-03-10T01:00:00Z') });
  return {
    async append(stream, event, expected) {
      return (await store.append(stream, [toNew(event, ORG)], expected < 0 ? 'no_stream' : expected)).revision;
    },
    async readStream(stream) {
      return (await store.readStream(stream)).length;
    },
    async progress(itemId, note) {
      const meta: CommandMeta = { actor: UNIT, correlationId: randomUUID(), commandId: randomUUID(), idempotencyKey: null, ifMatch: null };
      const outcome = await handleCommand(
        loop,
        {
          name: 'ReportProgress',
          stream: `item-${itemId}`,
          decider: itemDecider,
          mode: 'existing',
          id: itemId,
          build: () => progressCommand(itemId, note),
        },
        meta,
      );
      if (outcome.kind !== 'appended') throw new Error(`ours: ${outcome.kind}`);
    },
    close: () => store.close(),
  };
}

function theirs(peer: Peer, store: PeerStore, close: () => Promise<void>): Side {
  const handle = peer.CommandHandler<ItemState>({
    evolve: (state, event) => itemDecider.evolve(state, { type: event.type, data: event.data } as Parameters<typeof itemDecider.evolve>[1]),
    initialState: () => itemDecider.initialState(),
  });
  return {
    async append(stream, event, expected) {
      const r = await store.appendToStream(stream, [toPeer(event, ORG)], {
        expectedStreamVersion: expected < 0 ? peer.STREAM_DOES_NOT_EXIST : BigInt(expected),
      });
      return Number(r.nextExpectedStreamVersion);
    },
    async readStream(stream) {
      return (await store.readStream(stream)).events.length;
    },
    async progress(itemId, note) {
      await handle(store, `item-${itemId}`, (state) => {
        const decision = itemDecider.decide(progressCommand(itemId, note), state);
        if (isRejection(decision)) throw new Error(`theirs: ${decision.code}`);
        return decision.map((e) => toPeer(e, UNIT));
      });
    },
    close,
  };
}

/**
 * Emmett's SQLite store opens a connection per operation. When 32 appenders meet, BEGIN IMMEDIATE fails
 * with SQLITE_BUSY after node-sqlite3's 1 s busy timeout; even one operation at a time, a COMMIT now and
 * then fails with SQLITE_BUSY "cannot commit transaction - SQL statements in progress" (node-sqlite3 runs
 * a connection's statements in parallel and the previous one is not yet finalised; seen on this machine
 * within 100 sequential appends) and the append is rolled back. An application would queue its writes and
 * retry that error, so the bench does both and counts the retries.
 */
const peerRetries = { busy: 0 };
function queued(store: PeerStore): PeerStore {
  let tail: Promise<unknown> = Promise.resolve();
  const retried = async <T>(op: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (e) {
        if ((e as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 20) throw e;
        peerRetries.busy++;
      }
    }
  };
  const queue = <T>(op: () => Promise<T>): Promise<T> => {
    const next = tail.then(
      () => retried(op),
      () => retried(op),
    );
    tail = next.catch(() => undefined);
    return next;
  };
  return {
    appendToStream: (stream, events, options) => queue(() => store.appendToStream(stream, events, options)),
    readStream: (stream) => queue(() => store.readStream(stream)),
    aggregateStream: (stream, options) => queue(() => store.aggregateStream(stream, options)),
  };
}

interface Figure {
  /** Operations per second of wall time. */
  rate: number;
  /** CPU of this process (every thread: node-sqlite3's pool, our writer thread) per operation, µs; the server's not counted on either side. */
  cpuUs: number;
}
type Key = 'oneAppender' | 'concurrentAppenders' | 'readStream' | 'commands';
type Figures = Record<Key, Figure>;

/** Wall rate and CPU per operation: on a shared machine the CPU figure is the steadier of the two. */
async function timed(count: number, fn: () => Promise<unknown>): Promise<Figure> {
  const cpu = process.cpuUsage();
  const rate = await measure(count, fn);
  const used = process.cpuUsage(cpu);
  return { rate: rate.perSecond, cpuUs: (used.user + used.system) / count };
}

const oneAppends = () => size('BENCH_PEER_APPENDS', 600, 60);
const oneStreams = () => Math.max(1, Math.round(oneAppends() / 12));

/**
 * The four figures for Emmett and for ours, both stores open (closed after), each with fresh streams of
 * its own. The lone appender is measured op by op in turn (Emmett's append, ours, ours, Emmett's, …),
 * so that both see the same moments of a shared machine: measured one side after the other, 2 s each,
 * its ratio swung with the load (0.66 in one run; 1.24 interleaved on the same server). The other
 * figures keep Emmett's side first, then ours.
 */
async function pair(theirs: () => Promise<Side>, ours: () => Promise<Side>, writers: number): Promise<{ emmett: Figures; ours: Figures }> {
  // A store whose callback never comes would let the process end silently with the figures unwritten.
  const alive = setInterval(() => undefined, 60_000);
  const sides: Side[] = [];
  try {
    const e = await theirs();
    sides.push(e);
    const o = await ours();
    sides.push(o);
    const [pe, po] = [randomUUID().slice(0, 8), randomUUID().slice(0, 8)];
    console.log('  one appender, interleaved…');
    const [oneE, oneO] = await interleavedOne([
      [e, pe],
      [o, po],
    ]);
    return { emmett: await phases(e, writers, pe, oneE), ours: await phases(o, writers, po, oneO) };
  } finally {
    clearInterval(alive);
    for (const side of sides) await side.close();
  }
}

/** One appender per side, the sides taking turns op by op (who goes first alternates): wall and CPU per side. */
async function interleavedOne(sides: [Side, string][]): Promise<Figure[]> {
  const appends = oneAppends();
  const streams = oneStreams();
  const revisions = sides.map(() => new Array<number>(streams).fill(-1));
  const wallMs = sides.map(() => 0);
  const cpuUs = sides.map(() => 0);
  for (let i = 0; i < appends; i++) {
    const k = i % streams;
    for (let j = 0; j < sides.length; j++) {
      const s = (i + j) % sides.length;
      const [side, prefix] = sides[s];
      const cpu = process.cpuUsage();
      const start = performance.now();
      revisions[s][k] = await side.append(`one-${prefix}-${k}`, assigned(`one-${k}`), revisions[s][k]);
      wallMs[s] += performance.now() - start;
      const used = process.cpuUsage(cpu);
      cpuUs[s] += used.user + used.system;
    }
  }
  return sides.map((_, s) => ({ rate: (appends * 1000) / wallMs[s], cpuUs: cpuUs[s] / appends }));
}

async function phases(side: Side, writers: number, prefix: string, one: Figure): Promise<Figures> {
  const appends = oneAppends();
  const streams = oneStreams();
  console.log(`  ${writers} appenders…`);
  const concurrent = await timed(appends * 2, () =>
    Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = w, expected = -1; i < appends * 2; i += writers) expected = await side.append(`many-${prefix}-${w}`, assigned(`many-${w}`), expected);
      }),
    ),
  );
  const reads = size('BENCH_PEER_READS', 600, 60);
  console.log('  stream reads…');
  const read = await timed(reads, async () => {
    for (let i = 0; i < reads; i++) {
      if ((await side.readStream(`one-${prefix}-${i % streams}`)) === 0) throw new Error('a stream read back empty');
    }
  });
  // The command: items assigned beforehand (not timed), then progress reports by `writers` clerks, each on items of their own.
  const items = Array.from({ length: writers * 4 }, (_, i) => `${prefix}-${i}`);
  for (const itemId of items) await side.append(`item-${itemId}`, assigned(itemId), -1);
  const commands = size('BENCH_PEER_COMMANDS', 1200, 120);
  console.log('  commands…');
  const cmd = await timed(commands, () =>
    Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = w; i < commands; i += writers) await side.progress(items[i % items.length], `第${i}次进展`); // items.length is a multiple of writers: clerk w keeps to its own items
      }),
    ),
  );
  return { oneAppender: one, concurrentAppenders: concurrent, readStream: read, commands: cmd };
}

const LABELS: [Key, string][] = [
  ['oneAppender', 'one appender, 1 event per append (events/s)'],
  ['concurrentAppenders', 'concurrent appenders, 1 event per append (events/s)'],
  ['readStream', 'read a whole stream of 12 events (reads/s)'],
  ['commands', 'ReportProgress through the command path: read, fold, decide, append (commands/s)'],
];

function table(engine: string, writers: number, o: Figures, t: Figures): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const rows = LABELS.map(([key, label]) => {
    const ratio = o[key].rate / t[key].rate;
    const target = key === 'commands' ? 5 : 1;
    const mark = ratio >= target ? '✓' : '✗';
    return `| ${label.replace('concurrent', `${writers} concurrent`)} | ${n(o[key].rate)} | ${n(t[key].rate)} | **${ratio.toFixed(2)}×** | ${key === 'commands' ? '≥ 5×' : '> 1×'} ${mark} | ${n(o[key].cpuUs)} / ${n(t[key].cpuUs)} (${(t[key].cpuUs / o[key].cpuUs).toFixed(1)}× less) |`;
  });
  return [
    `### ${engine}`,
    '',
    '| figure | ours | Emmett | ours ÷ Emmett | target | client CPU per op, µs: ours / Emmett |',
    '|---|---:|---:|---:|---|---|',
    ...rows,
  ].join('\n');
}

/** BENCH_PEER_ENGINES: which engines to compare, comma-separated (sqlite, postgres); both by default. */
function peerEngines(): Set<string> {
  const raw = process.env.BENCH_PEER_ENGINES?.trim();
  const engines = new Set((raw || 'sqlite,postgres').split(',').map((x) => x.trim()));
  for (const e of engines) if (e !== 'sqlite' && e !== 'postgres') throw new Error(`BENCH_PEER_ENGINES: unknown engine ${e} (sqlite, postgres)`);
  return engines;
}

export const peerBench: BenchModule = {
  name: 'peer',
  async run(): Promise<BenchReport> {
    const startedAt = new Date().toISOString();
    const m = machine();
    const peer = loadPeer();
    const figures: Record<string, { ours: Figures; emmett: Figures; writers: number }> = {};
    const engines = peerEngines();

    const tmp = tempDir('ledger-peer-');
    try {
      // Two rounds per engine, each side's figure the better of its two.
      const best = (a: Figures, b: Figures): Figures => {
        const keys = Object.keys(a) as Key[];
        return Object.fromEntries(keys.map((k) => [k, { rate: Math.max(a[k].rate, b[k].rate), cpuUs: Math.min(a[k].cpuUs, b[k].cpuUs) }])) as Figures;
      };
      if (engines.has('sqlite')) {
        const emmettSqlite = async (n: number) => theirs(peer, queued(peer.sqlite(path.join(tmp.dir, `emmett-${n}.sqlite`))), async () => undefined);
        const oursSqlite = async (n: number) => ours(await openSqliteEventStore({ file: path.join(tmp.dir, `ours-${n}.sqlite`), synchronous: 'FULL' }));
        const r1 = await pair(
          () => emmettSqlite(1),
          () => oursSqlite(1),
          32,
        );
        const r2 = await pair(
          () => emmettSqlite(2),
          () => oursSqlite(2),
          32,
        );
        figures.sqlite = { ours: best(r1.ours, r2.ours), emmett: best(r1.emmett, r2.emmett), writers: 32 };
      }

      if (engines.has('postgres')) {
        const pg = await startTestPostgres({ durable: true });
        try {
          const emmettPg = async () => {
            const store = peer.postgresql(await createTestDatabase(pg.serverUrl));
            return theirs(peer, store, async () => store.close?.());
          };
          const oursPg = async () => ours(await openPostgresEventStore({ url: await createTestDatabase(pg.serverUrl) }));
          const r1 = await pair(emmettPg, oursPg, 16);
          const r2 = await pair(emmettPg, oursPg, 16);
          figures.postgresql = { ours: best(r1.ours, r2.ours), emmett: best(r1.emmett, r2.emmett), writers: 16 };
        } finally {
          await pg.stop();
        }
      }
    } finally {
      tmp.remove();
    }

    const markdown = [
      '## A peer in the same run: Emmett',
      '',
      `Run ${startedAt} on ${describeMachine(m)}. Emmett ${peer.version.core} (emmett-sqlite ${peer.version.sqlite} on node-sqlite3, emmett-postgresql ${peer.version.postgresql} on pg), installed into bench/peer by the module itself. The same operations on both sides, in each one's own API, in two rounds, each side's better round kept; in a round the two lone appenders take turns op by op (Emmett's append, ours, then ours, Emmett's, …) so that both meet the same moments of the shared machine, and the other figures are measured Emmett's side first, then ours: appends of ItemAssigned with the expected version (SQLite: WAL, synchronous FULL on both sides, Emmett's default build; PostgreSQL: one embedded server with fsync and synchronous_commit on); a read of a 12-event stream; and the command the clerks send most, ReportProgress, decided by our item decider on both sides: ours through handleCommand (the API's command path: the idempotency check, the decision on the kept fold without reading the stream, its envelope, the append whose expected revision proves the fold current; each item's first command reads its stream), Emmett's through its CommandHandler (aggregateStream, decide, appendToStream). Emmett 0.42.4's sqlite package names an Emmett core 0.42.4 that the registry does not hold; bench/peer overrides it to 0.42.0, the current core.`,
      '',
      ...(figures.sqlite
        ? [
            table('SQLite', figures.sqlite.writers, figures.sqlite.ours, figures.sqlite.emmett),
            '',
            `Emmett's SQLite operations were queued one at a time and retried on SQLITE_BUSY: ${peerRetries.busy} retries in this run.`,
            '',
          ]
        : []),
      ...(figures.postgresql ? [table('PostgreSQL', figures.postgresql.writers, figures.postgresql.ours, figures.postgresql.emmett)] : []),
    ].join('\n');
    return {
      name: 'peer',
      title: 'Emmett beside ours',
      startedAt,
      machine: m,
      figures: { emmett: peer.version, emmettSqliteBusyRetries: peerRetries.busy, ...figures },
      markdown,
    };
  },
};
