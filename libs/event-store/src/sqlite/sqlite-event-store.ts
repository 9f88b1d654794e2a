import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
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
  StoredEvent,
  StreamHeadAt,
  SubscribeOptions,
  Subscription,
  SubscriptionHandler,
} from '../port';
import { bodyHashOfText, globalLinkHash, streamLinkHash } from '../hash-chain';
import { SqliteSubscription } from './sqlite-subscription';
import { sqliteStreamHeadsAt } from './stream-heads';

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
}

/** Counters for tests and benchmarks. */
export interface SqliteEventStoreStats {
  /** Committed write transactions. */
  commits: number;
  /** append() calls that completed (written, idempotent or empty). */
  appends: number;
  eventsWritten: number;
}

interface EncodedEvent {
  id: string;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
  recordedAt: string;
  /** Whether the appender set metadata.recordedAt (matters when comparing an idempotent retry). */
  givenRecordedAt: boolean;
  source: NewEvent;
  /** hash-chain.ts: computed before the transaction; the links are made inside it. */
  bodyHash: Buffer;
}

interface PendingAppend {
  stream: string;
  events: EncodedEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; result: AppendResult; wrote: boolean } | { ok: false; error: unknown };

/** Errors an append may end with alone, leaving the rest of its group's transaction intact. */
function isRejectionOfOne(e: unknown): boolean {
  return e instanceof ConcurrencyError || e instanceof DuplicateEventIdError;
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
 * in ONE transaction (one fsync), each request checked against its own expected revision before it
 * writes, so a conflicting request fails alone.
 */
export class SqliteEventStore implements EventStore {
  readonly engine = 'sqlite' as const;
  readonly file: string;
  readonly synchronous: SqliteSynchronous;
  readonly maxEventBytes: number;
  readonly stats: SqliteEventStoreStats = { commits: 0, appends: 0, eventsWritten: 0 };

  private readonly db: Database.Database;
  private readonly clock: { now(): Date };
  private readonly pollIntervalMs: number;
  private readonly maxEventsPerCommit: number;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly subscriptions = new Set<SqliteSubscription>();
  private changeWaiters = new Set<() => void>();
  private pollTimer: NodeJS.Timeout | null = null;
  private lastDataVersion = 0;

  private readonly stmt: {
    begin: Database.Statement;
    commit: Database.Statement;
    rollback: Database.Statement;
    head: Database.Statement;
    tip: Database.Statement;
    streamTip: Database.Statement;
    positionOf: Database.Statement;
    byId: Database.Statement;
    insert: Database.Statement;
    deleteAfter: Database.Statement;
    readStream: Database.Statement;
    readAll: Database.Statement;
    dataVersion: Database.Statement;
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

    if (this.file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
    this.db = new Database(this.file);
    try {
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${this.synchronous}`);
      this.db.pragma('cache_size = -65536');
      this.db.exec(`BEGIN IMMEDIATE; ${SQLITE_EVENTS_SCHEMA}`);
      addHashChains(this.db);
      this.db.exec('COMMIT');
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.db.close();
      throw e;
    }
    const db = this.db;
    this.stmt = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      head: db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck(),
      tip: db.prepare('SELECT position, global_hash FROM events ORDER BY position DESC LIMIT 1').raw(),
      streamTip: db.prepare('SELECT revision, stream_hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1').raw(),
      positionOf: db.prepare('SELECT position FROM events WHERE stream = ? AND revision = ?').pluck(),
      byId: db.prepare(`SELECT ${COLUMNS} FROM events WHERE id = ?`).raw(),
      insert: db.prepare(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      deleteAfter: db.prepare('DELETE FROM events WHERE position > ?'),
      readStream: db
        .prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`)
        .raw(),
      readAll: db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
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
    let encoded: EncodedEvent[];
    try {
      encoded = this.encode(events);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ stream, events: encoded, expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate, not a microtask: appenders resumed by the previous commit re-append in the
        // same turn, and all of them should land in the next transaction.
        setImmediate(() => this.flush());
      }
    });
  }

  private encode(events: NewEvent[]): EncodedEvent[] {
    const out: EncodedEvent[] = new Array(events.length);
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
      const body = bodyHashOfText(e.id, e.type, e.schemaVersion, data, metadata);
      out[i] = { id: e.id, type: e.type, schemaVersion: e.schemaVersion, data, metadata, recordedAt, givenRecordedAt: given, source: e, bodyHash: body };
    }
    return out;
  }

  private scheduleFlushIfPending(): void {
    if (this.queue.length && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.queue.length) return;
    // Take a prefix of the queue bounded by event count; the rest goes in the next transaction.
    let take = 0;
    let events = 0;
    while (take < this.queue.length && (take === 0 || events + this.queue[take].events.length <= this.maxEventsPerCommit)) {
      events += this.queue[take].events.length;
      take++;
    }
    const batch = this.queue.splice(0, take);
    let outcomes: Outcome[];
    try {
      outcomes = this.writeInOneTransaction(batch);
    } catch (e) {
      // Something beyond one request's own rejection: retry each request alone so that one poisoned
      // request cannot fail its neighbours. Not for a lock timeout: each retry would block as long again.
      const busy = String((e as { code?: unknown })?.code ?? '').startsWith('SQLITE_BUSY');
      outcomes = batch.length === 1 || busy ? batch.map(() => ({ ok: false, error: e })) : batch.map((p) => this.writeAlone(p));
    }
    let wrote = false;
    for (let i = 0; i < batch.length; i++) {
      const o = outcomes[i];
      if (o.ok) {
        this.stats.appends++;
        wrote ||= o.wrote;
        batch[i].resolve(o.result);
      } else {
        batch[i].reject(o.error);
      }
    }
    if (wrote) this.notifyChange();
    this.scheduleFlushIfPending();
  }

  private writeAlone(p: PendingAppend): Outcome {
    try {
      return this.writeInOneTransaction([p])[0];
    } catch (e) {
      return { ok: false, error: e };
    }
  }

  private writeInOneTransaction(batch: PendingAppend[]): Outcome[] {
    const outcomes: Outcome[] = new Array(batch.length);
    this.stmt.begin.run();
    try {
      const tip = this.stmt.tip.get() as [number, Buffer | null] | undefined;
      const h = { head: tip ? tip[0] : 0, headHash: tip ? tip[1] : null };
      let written = 0;
      for (let i = 0; i < batch.length; i++) {
        try {
          const o = this.applyOne(batch[i], h);
          outcomes[i] = o;
          if (o.wrote) written += batch[i].events.length;
        } catch (e) {
          // applyOne checks before it writes, so its typed rejections leave the transaction clean.
          if (!isRejectionOfOne(e)) throw e;
          outcomes[i] = { ok: false, error: e };
        }
      }
      this.stmt.commit.run();
      this.stats.commits++;
      this.stats.eventsWritten += written;
      return outcomes;
    } catch (e) {
      if (this.db.inTransaction) this.stmt.rollback.run();
      throw e;
    }
  }

  /** Runs inside the write transaction. Throws only before writing anything. */
  private applyOne(p: PendingAppend, h: { head: number; headHash: Buffer | null }): Outcome & { ok: true } {
    const { stream, events, expected } = p;
    const last = this.stmt.streamTip.get(stream) as [number, Buffer | null] | undefined;
    const current = last ? last[0] : -1;
    if (!expectationHolds(expected, current)) {
      // A retry of a committed append no longer matches its expectation; answer it before refusing.
      const retry = this.idempotentResult(stream, events);
      if (retry) return { ok: true, result: retry, wrote: false };
      throw new ConcurrencyError(stream, expected, current < 0 ? 'no_stream' : current);
    }
    if (events.length === 0) {
      const position = current < 0 ? 0n : BigInt(this.stmt.positionOf.get(stream, current) as number);
      return { ok: true, result: { revision: current, position }, wrote: false };
    }
    // Insert first and let the unique index on id find retries: the common case pays no extra lookup.
    let revision = current;
    let position = h.head;
    // The chain links, in the writer lane: here the previous stream and global hashes are settled.
    let streamHash = last ? last[1] : null;
    let globalHash = h.headHash;
    const insert = this.stmt.insert;
    try {
      for (const e of events) {
        revision++;
        position++;
        streamHash = streamLinkHash(stream, revision, position, e.bodyHash, streamHash);
        globalHash = globalLinkHash(streamHash, globalHash);
        insert.run(position, e.id, stream, revision, e.type, e.schemaVersion, e.data, e.metadata, e.recordedAt, streamHash, globalHash);
      }
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // Undo this request's rows (the tail of the table), then answer as a retry or a duplicate.
      this.stmt.deleteAfter.run(h.head);
      const retry = this.idempotentResult(stream, events);
      if (retry) return { ok: true, result: retry, wrote: false };
      throw e;
    }
    h.head = position;
    h.headHash = globalHash;
    return { ok: true, result: { revision, position: BigInt(position) }, wrote: true };
  }

  /** The original result when every id is stored with the same content; null when none is stored. */
  private idempotentResult(stream: string, events: EncodedEvent[]): AppendResult | null {
    let found = 0;
    let revision = -1;
    let position = 0;
    let firstStored: string | null = null;
    for (const e of events) {
      const row = this.stmt.byId.get(e.id) as Row | undefined;
      if (!row) continue;
      found++;
      firstStored ??= e.id;
      if (!sameContent(row, stream, e)) throw new DuplicateEventIdError(e.id);
      if (row[3] > revision) revision = row[3];
      if (row[0] > position) position = row[0];
    }
    if (found === 0) return null;
    if (found < events.length) throw new DuplicateEventIdError(firstStored as string);
    return { revision, position: BigInt(position) };
  }

  async readStream(stream: string, fromRevision = 0, limit?: number): Promise<StoredEvent[]> {
    this.assertOpen();
    const rows = this.stmt.readStream.all(stream, fromRevision, limit ?? -1) as Row[];
    return rows.map(toStored);
  }

  async readAll(options: ReadAllOptions): Promise<StoredEvent[]> {
    this.assertOpen();
    return this.readAllSync(options.after, options.limit);
  }

  /** @internal for subscriptions */
  readAllSync(after: bigint, limit: number): StoredEvent[] {
    const rows = this.stmt.readAll.all(after, limit) as Row[];
    return rows.map(toStored);
  }

  async streamHeadsAt(position: bigint): Promise<StreamHeadAt[]> {
    this.assertOpen();
    return sqliteStreamHeadsAt(this.db, position);
  }

  async headPosition(): Promise<bigint> {
    this.assertOpen();
    return this.headSync();
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
    while (this.queue.length) this.flush();
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop().catch(() => undefined)));
    this.stopPolling();
    this.notifyChange();
    this.db.close();
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
  const read = db.prepare('SELECT position, id, stream, revision, type, schema_version, data, metadata FROM events WHERE position > ? ORDER BY position LIMIT 5000').raw();
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

function expectationHolds(expected: ExpectedRevision, current: number): boolean {
  return (
    expected === 'any' ||
    (expected === 'no_stream' && current === -1) ||
    (expected === 'stream_exists' && current >= 0) ||
    (typeof expected === 'number' && expected === current)
  );
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE' || (e as { code?: string })?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function sameContent(row: Row, stream: string, e: EncodedEvent): boolean {
  if (row[2] !== stream || row[4] !== e.type || row[5] !== e.schemaVersion) return false;
  if (row[6] !== e.data && !deepEqual(JSON.parse(row[6]), JSON.parse(e.data))) return false;
  if (row[7] === e.metadata) return true;
  const stored = JSON.parse(row[7]) as Record<string, unknown>;
  // A retry that leaves recordedAt to the store is the same event as the one the store timestamped.
  const given = e.givenRecordedAt ? e.source.metadata : { ...e.source.metadata, recordedAt: stored.recordedAt };
  return deepEqual(stored, JSON.parse(JSON.stringify(given)));
}

/** Structural equality of JSON values, ignoring key order. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

export interface OpenSqliteEventStoreOptions {
  file: string;
  synchronous?: SqliteSynchronous;
  clock?: { now(): Date };
  maxEventBytes?: number;
  busyTimeoutMs?: number;
  pollIntervalMs?: number;
}

/** Opens (creating when missing) the SQLite event store in `file`. */
export async function openSqliteEventStore(options: OpenSqliteEventStoreOptions): Promise<SqliteEventStore> {
  return new SqliteEventStore(options);
}
