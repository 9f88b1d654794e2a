import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
// Relative imports only: the cross-process test loads this file in a plain Node child without alias mapping.
import {
  AppendResult,
  ConcurrencyError,
  DEFAULT_MAX_EVENT_BYTES,
  DuplicateEventIdError,
  EventStore,
  EventTooLargeError,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReplayedEvent,
  StoredEvent,
  StreamHeadAt,
  SubscribeOptions,
  Subscription,
  SubscriptionHandler,
} from '../port';
import { bodyHashHexOfText, bodyHashOfText, globalLinkHash, streamLinkHash } from '../hash-chain';
import { SqliteSubscription } from './sqlite-subscription';
import { startThread } from '../thread-entry';
import { sqliteStreamHeadsAt } from './stream-heads';
import { WriteLane, configureConnection, type LaneAppend, type LaneError, type LaneEvent, type LaneReply } from './write-lane';
import { flattenBatch, unflattenReply, type FlatReply } from './lane-messages';
import type { WriterThreadData } from './writer-thread';

export type SqliteSynchronous = 'FULL' | 'NORMAL';

export interface SqliteEventStoreOptions {
  /** Path of the database file; its folder is created when missing. */
  file: string;
  /** FULL (default): an acknowledged event survives power loss. NORMAL: faster, may lose the last commits on power loss. */
  synchronous?: SqliteSynchronous;
  /** Sets recordedAt when the appender did not; structurally the platform's Clock. */
  clock?: { now(): Date };
  maxEventBytes?: number;
  /** How long a writer waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
  /** How often subscriptions look for commits made by other processes. */
  pollIntervalMs?: number;
  /** Upper bound of events written in one group-commit transaction. */
  maxEventsPerCommit?: number;
  /**
   * Write in a thread of the store's own, so that the fsync at COMMIT never blocks the event loop and
   * the next group gathers meanwhile. Default: with FULL only. With NORMAL a WAL commit does not fsync,
   * and the hop to the thread and back would cost a lone appender more than it frees (0.85 → 0.39 of
   * the plain-insert rate in the store bench).
   */
  writerThread?: boolean;
  /**
   * TEST SUPPORT ONLY (no configuration variable sets it): leave up to this many unused positions
   * before each event (a fixed pattern of the head; some steps have no gap), so that the whole service
   * can be proved on positions with gaps, as EventStoreDB's are. Kept in the file once given: every
   * later opening of it writes the same way and reports `contiguousPositions: false`.
   */
  testPositionGaps?: number;
  /**
   * Opens an existing file for reading only (`ledger verify` of an inspector's copy, a read-only
   * folder): nothing is created, migrated or written; appends fail with SQLITE_READONLY.
   */
  readOnly?: boolean;
}

/** Counters for tests and benchmarks. */
export interface SqliteEventStoreStats {
  /** Committed write transactions. */
  commits: number;
  /** append() calls that completed (written, idempotent or empty). */
  appends: number;
  eventsWritten: number;
  /** readStream calls answered from what the store knew of the stream's tail, without touching the table. */
  streamReadsKnownEmpty: number;
}

interface PendingAppend {
  stream: string;
  events: LaneEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type Row = [number, string, string, number, string, number, string, string, string, Buffer | null, Buffer | null];
const COLUMNS = 'position, id, stream, revision, type, schema_version, data, metadata, recorded_at, stream_hash, global_hash';

function toStored(r: Row): StoredEvent {
  return {
    id: r[1],
    stream: r[2],
    type: r[4],
    schemaVersion: r[5],
    data: JSON.parse(r[6]),
    metadata: JSON.parse(r[7]),
    revision: r[3],
    position: BigInt(r[0]),
    recordedAt: r[8],
    ...(r[9] ? { streamHash: r[9].toString('hex') } : {}),
    ...(r[10] ? { globalHash: r[10].toString('hex') } : {}),
  };
}

/** Streams whose tail the store keeps knowing (a Map of ids and numbers: some MB at most). */
const MAX_KNOWN_TAILS = 50_000;
/** Rows past the frontier read to catch up; beyond, what the store knew is dropped (read again as needed). */
const CATCH_UP_ROWS = 1000;
const FRONTIER_UNKNOWN = 0;
const FRONTIER_KNOWN = 1;
const FRONTIER_MOVED_WATCHED = 2;
type FrontierState = typeof FRONTIER_UNKNOWN | typeof FRONTIER_KNOWN | typeof FRONTIER_MOVED_WATCHED;

type ReplayRow = [number, string, number, string, number, string, string];

function toReplayed(r: ReplayRow): ReplayedEvent {
  return { stream: r[1], type: r[3], schemaVersion: r[4], data: JSON.parse(r[5]), revision: r[2], position: BigInt(r[0]), recordedAt: r[6] };
}

/** The table and indexes; exported so the benchmark ceiling writes to an equivalent table. */
export const SQLITE_EVENTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position       INTEGER PRIMARY KEY,
  id             TEXT    NOT NULL,
  stream         TEXT    NOT NULL,
  revision       INTEGER NOT NULL,
  type           TEXT    NOT NULL,
  schema_version INTEGER NOT NULL,
  data           TEXT    NOT NULL,
  metadata       TEXT    NOT NULL,
  recorded_at    TEXT    NOT NULL,
  stream_hash    BLOB,
  global_hash    BLOB
);
CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events (id);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events (stream, revision);
`;

/**
 * The embedded event store: one SQLite file in WAL mode.
 *
 * Positions are the table's integer primary key, assigned as head + 1 inside the write transaction:
 * SQLite has one writer at a time, so positions are gap-free and in commit order, and a rolled-back
 * transaction leaves no hole. Positions are kept as JS numbers internally (exact up to 2^53, i.e.
 * nine quadrillion events) and handed out as bigint.
 *
 * Group commit: append() queues its request; the queue is flushed on the next turn of the event loop
 * in ONE transaction (one fsync) by the write lane (./write-lane.ts), each request checked against its
 * own expected revision before it writes, so a conflicting request fails alone. One group is in the
 * writer thread at a time; the next one gathers while it commits. Reads use this thread's connection.
 */
export class SqliteEventStore implements EventStore {
  readonly engine = 'sqlite' as const;
  readonly contiguousPositions: boolean;
  readonly file: string;
  readonly synchronous: SqliteSynchronous;
  readonly maxEventBytes: number;
  readonly stats: SqliteEventStoreStats = { commits: 0, appends: 0, eventsWritten: 0, streamReadsKnownEmpty: 0 };

  private readonly db: Database.Database;
  private readonly clock: { now(): Date };
  private readonly pollIntervalMs: number;
  private readonly maxEventsPerCommit: number;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private readonly writer: GroupWriter;
  /** The group being written, settled once its appenders have their answers. */
  private inflight: Promise<void> | null = null;
  private closed = false;
  private readonly subscriptions = new Set<SqliteSubscription>();
  private changeWaiters = new Set<() => void>();
  private pollTimer: NodeJS.Timeout | null = null;
  private lastDataVersion = 0;
  /**
   * What this store knows of the log without reading its streams: `tails` maps a stream to the revision
   * from which it holds nothing (head + 1) as of position `frontier`; `confirmedVersion` is this
   * connection's data_version when the log was last seen to end there (another connection's commit, our
   * writer thread's included, changes it). See `atFrontier`.
   */
  private readonly tails = new Map<string, number>();
  private frontier: number | null = null;
  private confirmedVersion: number | null = null;

  private readonly stmt: {
    head: Database.Statement;
    count: Database.Statement;
    readStream: Database.Statement;
    readAll: Database.Statement;
    readForReplay: Database.Statement;
    dataVersion: Database.Statement;
    after: Database.Statement;
  };

  constructor(options: SqliteEventStoreOptions) {
    this.file = options.file;
    this.synchronous = options.synchronous ?? 'FULL';
    if (this.synchronous !== 'FULL' && this.synchronous !== 'NORMAL') {
      throw new Error(`synchronous must be FULL or NORMAL, got ${String(this.synchronous)}`);
    }
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.clock = options.clock ?? { now: () => new Date() };
    this.pollIntervalMs = options.pollIntervalMs ?? 25;
    this.maxEventsPerCommit = options.maxEventsPerCommit ?? 5000;

    let positionGaps: number;
    const readOnly = options.readOnly === true;
    if (this.file !== ':memory:' && !readOnly) fs.mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
    const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
    this.db = new Database(this.file, readOnly ? { readonly: true, fileMustExist: true } : {});
    try {
      if (readOnly) {
        this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
        positionGaps = testPositionGaps(this.db, undefined);
      } else {
        configureConnection(this.db, this.synchronous, busyTimeoutMs);
        this.db.exec(`BEGIN IMMEDIATE; ${SQLITE_EVENTS_SCHEMA}`);
        addHashChains(this.db);
        positionGaps = testPositionGaps(this.db, options.testPositionGaps);
        this.db.exec('COMMIT');
      }
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.db.close();
      throw e;
    }
    this.contiguousPositions = positionGaps === 0;
    const db = this.db;
    this.writer =
      !(options.writerThread ?? this.synchronous === 'FULL') || this.file === ':memory:' || readOnly
        ? new InlineWriter(new WriteLane(db, positionGaps))
        : new ThreadWriter({ file: path.resolve(this.file), synchronous: this.synchronous, busyTimeoutMs, positionGaps });
    this.stmt = {
      head: db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck(),
      count: db.prepare('SELECT count(*) FROM (SELECT 1 FROM events WHERE position > ? AND position <= ? LIMIT ?)').pluck(),
      readStream: db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`).raw(),
      readAll: db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(),
      readForReplay: db
        .prepare('SELECT position, stream, revision, type, schema_version, data, recorded_at FROM events WHERE position > ? ORDER BY position LIMIT ?')
        .raw(),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      after: db.prepare('SELECT position, stream, revision FROM events WHERE position > ? ORDER BY position LIMIT ?').raw(),
    };
  }

  /** The pragmas in force, as SQLite reports them (for tests and operations). */
  pragmas(): { journalMode: string; synchronous: SqliteSynchronous; busyTimeoutMs: number } {
    const sync = this.db.pragma('synchronous', { simple: true }) as number;
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: sync === 2 ? 'FULL' : sync === 1 ? 'NORMAL' : (String(sync) as SqliteSynchronous),
      busyTimeoutMs: this.db.pragma('busy_timeout', { simple: true }) as number,
    };
  }

  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('the event store is closed'));
    let encoded: LaneEvent[];
    try {
      encoded = this.encode(events);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ stream, events: encoded, expected, resolve, reject });
      this.scheduleFlushIfPending();
    });
  }

  private encode(events: NewEvent[]): LaneEvent[] {
    const out: LaneEvent[] = new Array(events.length);
    const seen = events.length > 1 ? new Set<string>() : null;
    let now: string | null = null;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (seen) {
        if (seen.has(e.id)) throw new DuplicateEventIdError(e.id);
        seen.add(e.id);
      }
      const given = typeof e.metadata?.recordedAt === 'string' && e.metadata.recordedAt !== '';
      let recordedAt: string;
      let metadata: string;
      if (given) {
        recordedAt = e.metadata.recordedAt as string;
        metadata = JSON.stringify(e.metadata);
      } else {
        recordedAt = now ??= this.clock.now().toISOString();
        metadata = JSON.stringify({ ...e.metadata, recordedAt });
      }
      // undefined data would encode to nothing; store it as null so every row holds valid JSON.
      const data = JSON.stringify(e.data === undefined ? null : e.data);
      // A UTF-16 code unit encodes to at most 3 UTF-8 bytes: count bytes only near the limit.
      if ((data.length + metadata.length) * 3 > this.maxEventBytes) {
        const bytes = Buffer.byteLength(data, 'utf8') + Buffer.byteLength(metadata, 'utf8');
        if (bytes > this.maxEventBytes) throw new EventTooLargeError(e.id, bytes, this.maxEventBytes);
      }
      const bodyHash = bodyHashHexOfText(e.id, e.type, e.schemaVersion, data, metadata);
      out[i] = { id: e.id, type: e.type, schemaVersion: e.schemaVersion, data, metadata, recordedAt, givenRecordedAt: given, bodyHash };
    }
    return out;
  }

  private scheduleFlushIfPending(): void {
    if (this.queue.length && !this.flushScheduled) {
      this.flushScheduled = true;
      // setImmediate, not a microtask: appenders resumed by the previous commit re-append in the
      // same turn, and all of them should land in the next transaction.
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.inflight || !this.queue.length) return;
    // Take a prefix of the queue bounded by event count; the rest goes in the next transaction.
    let take = 0;
    let events = 0;
    while (take < this.queue.length && (take === 0 || events + this.queue[take].events.length <= this.maxEventsPerCommit)) {
      events += this.queue[take].events.length;
      take++;
    }
    const batch = this.queue.splice(0, take);
    // An inline writer commits on this very connection, which data_version does not see.
    this.confirmedVersion = null;
    // As they are: the lane reads their stream, events and expectation; the thread's hop copies only those.
    this.inflight = this.writer.write(batch).then(
      (reply) => this.settle(batch, reply),
      (e) => {
        for (const p of batch) p.reject(e);
      },
    );
    void this.inflight.finally(() => {
      this.inflight = null;
      this.scheduleFlushIfPending();
    });
  }

  private settle(batch: PendingAppend[], reply: LaneReply): void {
    this.stats.commits += reply.commits;
    this.stats.eventsWritten += reply.eventsWritten;
    let wrote = false;
    for (let i = 0; i < batch.length; i++) {
      const o = reply.outcomes[i];
      if (o.ok) {
        this.stats.appends++;
        wrote ||= o.wrote;
        batch[i].resolve({ revision: o.revision, position: BigInt(o.position) });
      } else {
        batch[i].reject(laneError(o.error));
      }
    }
    if (wrote) this.notifyChange();
  }

  async readStream(stream: string, fromRevision = 0, limit?: number): Promise<StoredEvent[]> {
    this.assertOpen();
    // Brought to the log's end first: the tail may have moved since it was known.
    const known = this.tails.has(stream) && this.atFrontier(stream) !== FRONTIER_UNKNOWN;
    const tail = this.tails.get(stream);
    if (known && tail !== undefined && fromRevision >= tail) {
      this.stats.streamReadsKnownEmpty++;
      return [];
    }
    const rows = this.stmt.readStream.all(stream, fromRevision, limit ?? -1) as Row[];
    // Read to the stream's end, and nothing of the stream committed since the frontier was last known
    // (before this read): the read saw the stream's end as it is now.
    if ((limit === undefined || limit < 0 || rows.length < limit) && this.atFrontier(stream) === FRONTIER_KNOWN) {
      this.setTail(stream, rows.length ? rows[rows.length - 1][3] + 1 : fromRevision);
    }
    return rows.map(toStored);
  }

  /**
   * Brings `tails` to the log's end: when another connection (our writer thread's included) has
   * committed since the last look, the rows past the frontier (position, stream and revision only: the
   * table's last page or two) move their streams' tails and the frontier. FRONTIER_MOVED_WATCHED when
   * `watch` was among them; past CATCH_UP_ROWS rows (a bulk load by another process) what was known is
   * dropped instead (FRONTIER_UNKNOWN). Costs a pragma, and after a commit that short read, against a
   * stream's index probe and its rows' decoding: every command reads its item's stream and the units of
   * its scope check (docs/benchmarks.md, service).
   */
  private atFrontier(watch: string): FrontierState {
    // data_version before the rows: a commit between the two shows as a changed version next time.
    const version = this.stmt.dataVersion.get() as number;
    if (version === this.confirmedVersion) return FRONTIER_KNOWN;
    let state: FrontierState = FRONTIER_KNOWN;
    const rows = this.frontier === null ? null : (this.stmt.after.all(this.frontier, CATCH_UP_ROWS + 1) as [number, string, number][]);
    if (rows === null || rows.length > CATCH_UP_ROWS) {
      this.tails.clear();
      this.frontier = this.stmt.head.get() as number;
      state = FRONTIER_UNKNOWN;
    } else {
      for (const [position, stream, revision] of rows) {
        this.setTail(stream, revision + 1);
        if (stream === watch) state = FRONTIER_MOVED_WATCHED;
        this.frontier = position;
      }
    }
    this.confirmedVersion = version;
    return state;
  }

  private setTail(stream: string, next: number): void {
    if (this.tails.size >= MAX_KNOWN_TAILS && !this.tails.has(stream)) this.tails.clear();
    this.tails.set(stream, next);
  }

  async readAll(options: ReadAllOptions): Promise<StoredEvent[]> {
    this.assertOpen();
    return this.readAllSync(options.after, options.limit);
  }

  async readForReplay(options: ReadAllOptions): Promise<ReplayedEvent[]> {
    this.assertOpen();
    return (this.stmt.readForReplay.all(options.after, options.limit) as ReplayRow[]).map(toReplayed);
  }

  /** @internal for subscriptions */
  readAllSync(after: bigint, limit: number): StoredEvent[] {
    const rows = this.stmt.readAll.all(after, limit) as Row[];
    return rows.map(toStored);
  }

  streamHeadsAt(position: bigint): AsyncIterable<StreamHeadAt> {
    this.assertOpen();
    return sqliteStreamHeadsAt(this.db, position);
  }

  async headPosition(): Promise<bigint> {
    this.assertOpen();
    return this.headSync();
  }

  async countEvents(after: bigint, upTo: bigint, cap?: number): Promise<number> {
    this.assertOpen();
    return upTo <= after ? 0 : (this.stmt.count.get(after, upTo, cap ?? -1) as number);
  }

  /** @internal for subscriptions */
  headSync(): bigint {
    return BigInt(this.stmt.head.get() as number);
  }

  subscribe(handler: SubscriptionHandler, options: SubscribeOptions): Subscription {
    this.assertOpen();
    const sub = new SqliteSubscription(this, handler, options, () => {
      this.subscriptions.delete(sub);
      if (!this.subscriptions.size) this.stopPolling();
    });
    this.subscriptions.add(sub);
    this.startPolling();
    return sub;
  }

  /** @internal Resolves on the next commit seen (ours, or another process's via data_version). */
  nextChange(): { promise: Promise<void>; cancel(): void } {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.changeWaiters.add(resolve);
    return {
      promise,
      cancel: () => {
        this.changeWaiters.delete(resolve);
        resolve();
      },
    };
  }

  private notifyChange(): void {
    if (!this.changeWaiters.size) return;
    const waiters = this.changeWaiters;
    this.changeWaiters = new Set();
    for (const w of waiters) w();
  }

  private startPolling(): void {
    if (this.pollTimer) return;
    this.lastDataVersion = this.stmt.dataVersion.get() as number;
    // data_version changes only for commits by OTHER connections; our own commits notify directly.
    this.pollTimer = setInterval(() => {
      if (this.closed) return;
      const v = this.stmt.dataVersion.get() as number;
      if (v !== this.lastDataVersion) {
        this.lastDataVersion = v;
        this.notifyChange();
      }
    }, this.pollIntervalMs);
    // Not unref'd: a live subscription keeps its process running, as a socket would for a server engine.
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.queue.length || this.inflight) {
      this.flush();
      await this.inflight;
    }
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop().catch(() => undefined)));
    this.stopPolling();
    this.notifyChange();
    await this.writer.close();
    this.db.close();
  }
}

function laneError(e: LaneError): Error {
  if (e.kind === 'concurrency') return new ConcurrencyError(e.stream, e.expected, e.actual);
  if (e.kind === 'duplicate') return new DuplicateEventIdError(e.eventId);
  return Object.assign(new Error(e.message), e.code ? { code: e.code } : {});
}

interface GroupWriter {
  write(batch: LaneAppend[]): Promise<LaneReply>;
  close(): Promise<void>;
}

/** The lane on the calling thread (an in-memory database cannot be shared with another thread). */
class InlineWriter implements GroupWriter {
  constructor(private readonly lane: WriteLane) {}
  write(batch: LaneAppend[]): Promise<LaneReply> {
    try {
      return Promise.resolve(this.lane.write(batch));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  async close(): Promise<void> {}
}

/** The lane in a thread of its own; groups are answered in the order they were sent. */
class ThreadWriter implements GroupWriter {
  private readonly worker: Worker;
  private readonly waiting: { resolve(reply: LaneReply): void; reject(e: unknown): void }[] = [];
  private failure: Error | null = null;

  constructor(data: WriterThreadData) {
    this.worker = startThread(__dirname, 'writer-thread', data);
    // Referenced only while a group is in flight: an idle store must not keep its process alive.
    this.worker.unref();
    this.worker.on('message', (m: FlatReply) => {
      this.waiting.shift()?.resolve(unflattenReply(m));
      if (!this.waiting.length) this.worker.unref();
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the event store's writer thread exited (${code})`)));
  }

  write(batch: LaneAppend[]): Promise<LaneReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ batch: flattenBatch(batch) });
    });
  }

  async close(): Promise<void> {
    if (this.failure) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ close: true });
    this.worker.ref();
    await exited;
  }
}

/**
 * A file created before the hash chains gets their columns and, once, their values, in position
 * order, inside the opening transaction (BEGIN IMMEDIATE: other processes wait for it).
 */
function addHashChains(db: Database.Database): void {
  const columns = db.prepare('PRAGMA table_info(events)').all() as { name: string }[];
  if (columns.some((c) => c.name === 'stream_hash')) return;
  db.exec('ALTER TABLE events ADD COLUMN stream_hash BLOB; ALTER TABLE events ADD COLUMN global_hash BLOB;');
  const read = db
    .prepare('SELECT position, id, stream, revision, type, schema_version, data, metadata FROM events WHERE position > ? ORDER BY position LIMIT 5000')
    .raw();
  const update = db.prepare('UPDATE events SET stream_hash = ?, global_hash = ? WHERE position = ?');
  const streams = new Map<string, Buffer>();
  let global: Buffer | null = null;
  let after = 0;
  for (;;) {
    const rows = read.all(after) as [number, string, string, number, string, number, string, string][];
    if (!rows.length) break;
    for (const [position, id, stream, revision, type, schemaVersion, data, metadata] of rows) {
      // Re-encoded as a reader will (parse, then stringify), whatever spelling an old row has.
      const body = bodyHashOfText(id, type, schemaVersion, JSON.stringify(JSON.parse(data)), JSON.stringify(JSON.parse(metadata)));
      const sh = streamLinkHash(stream, revision, position, body, streams.get(stream) ?? null);
      global = globalLinkHash(sh, global);
      streams.set(stream, sh);
      update.run(sh, global, position);
    }
    after = rows[rows.length - 1][0];
  }
}

/** The test-only position gaps (SqliteEventStoreOptions.testPositionGaps): set when given, else as the file keeps them. */
function testPositionGaps(db: Database.Database, given: number | undefined): number {
  if (given !== undefined) {
    if (!Number.isInteger(given) || given < 0) throw new Error(`testPositionGaps must be a whole number ≥ 0, got ${String(given)}`);
    db.exec('CREATE TABLE IF NOT EXISTS ledger_test_settings (key TEXT PRIMARY KEY, value INTEGER NOT NULL)');
    db.prepare(`INSERT INTO ledger_test_settings (key, value) VALUES ('position_gaps', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(given);
    return given;
  }
  const kept = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_test_settings'`).get();
  if (!kept) return 0;
  return (db.prepare(`SELECT value FROM ledger_test_settings WHERE key = 'position_gaps'`).pluck().get() as number | undefined) ?? 0;
}

export type OpenSqliteEventStoreOptions = Omit<SqliteEventStoreOptions, 'maxEventsPerCommit'>;

/** Opens (creating when missing) the SQLite event store in `file`. */
export async function openSqliteEventStore(options: OpenSqliteEventStoreOptions): Promise<SqliteEventStore> {
  return new SqliteEventStore(options);
}
