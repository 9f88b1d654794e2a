import type Database from 'better-sqlite3';
// Relative imports only: this file also runs inside the writer thread and the cross-process test's child.
import type { ExpectedRevision } from '../port';
import { globalLinkHash, streamLinkHash } from '../hash-chain';
import { sameJson } from '../same-json';
import { isSqliteBusy } from '../storage-full';

/** An event as encoded on the appender's side: JSON text and body hash ready, links not yet made. */
export interface LaneEvent {
  id: string;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
  recordedAt: string;
  /** Whether the appender set metadata.recordedAt (matters when comparing an idempotent retry). */
  givenRecordedAt: boolean;
  /** Hex text: cheaper across the thread boundary than a typed array per event. */
  bodyHash: string;
}

export interface LaneAppend {
  stream: string;
  events: LaneEvent[];
  expected: ExpectedRevision;
}

/** Plain data (it crosses the thread boundary); the store turns `error` back into its typed error. */
export type LaneError =
  | { kind: 'concurrency'; stream: string; expected: ExpectedRevision; actual: number | 'no_stream' }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'other'; message: string; code?: string };

export type LaneOutcome = { ok: true; revision: number; position: number; wrote: boolean } | { ok: false; error: LaneError };

export interface LaneReply {
  outcomes: LaneOutcome[];
  /** Transactions committed and events written by this call. */
  commits: number;
  eventsWritten: number;
}

class Refused extends Error {
  constructor(readonly error: LaneError) {
    super(error.kind);
  }
}

type Row = [number, string, string, number, string, number, string, string];

/** A stream's last revision and stream hash, as the lane last committed them. */
type StreamHead = [number, Buffer | null];

/** Stream heads kept between transactions; past this many the cache starts over (memory stays bounded). */
const MAX_CACHED_HEADS = 50_000;

/** The pragmas of every connection the store opens: the store's own and its writer thread's. */
export function configureConnection(db: Database.Database, synchronous: 'FULL' | 'NORMAL', busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  // Small: reads are a stream's few rows or the log in order, a writer touches the indexes' upper pages
  // and the table's tail, and the OS page cache holds the file. A larger cache read random streams no
  // faster and, once a full scan (verify, a rebuild) had filled it, stayed in every process's resident
  // memory (docs/benchmarks.md, "Measurements behind design choices").
  db.pragma('cache_size = -4096');
}

/**
 * The single writer: checks every append of a group against its expected revision, links the hash
 * chains and inserts, all in ONE transaction (one fsync). An append that conflicts or reuses an id
 * fails alone; anything else fails the group, which is then retried append by append so that one
 * poisoned request cannot fail its neighbours (not for a lock timeout: each retry would block as long).
 * It runs in the store's writer thread, so that the fsync at COMMIT never blocks the event loop.
 */
export class WriteLane {
  private readonly stmt: {
    begin: Database.Statement;
    commit: Database.Statement;
    rollback: Database.Statement;
    tip: Database.Statement;
    dataVersion: Database.Statement;
    streamTip: Database.Statement;
    positionOf: Database.Statement;
    byId: Database.Statement;
    insert: Database.Statement;
    deleteAfter: Database.Statement;
  };
  /**
   * Stream heads as of `cachedAt` (the log's last position and global hash after our last commit, and
   * this connection's data_version then). A transaction that finds the log's tip elsewhere (another
   * process wrote) drops them. Saves a SELECT per append; heads written by the open transaction sit in
   * `written` until it commits.
   */
  private heads = new Map<string, StreamHead>();
  private cachedAt: { position: number; hash: Buffer | null; version: number } | null = null;
  private readonly written = new Map<string, StreamHead>();

  /** `positionGaps`: test support only (SqliteEventStoreOptions.testPositionGaps); 0 in service. */
  constructor(
    private readonly db: Database.Database,
    private readonly positionGaps = 0,
  ) {
    this.stmt = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      tip: db.prepare('SELECT position, global_hash FROM events ORDER BY position DESC LIMIT 1').raw(),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      streamTip: db.prepare('SELECT revision, stream_hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1').raw(),
      positionOf: db.prepare('SELECT position FROM events WHERE stream = ? AND revision = ?').pluck(),
      byId: db.prepare('SELECT position, id, stream, revision, type, schema_version, data, metadata FROM events WHERE id = ?').raw(),
      insert: db.prepare(
        'INSERT INTO events (position, id, stream, revision, type, schema_version, data, metadata, recorded_at, stream_hash, global_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      deleteAfter: db.prepare('DELETE FROM events WHERE position > ?'),
    };
  }

  write(batch: LaneAppend[]): LaneReply {
    const reply: LaneReply = { outcomes: [], commits: 0, eventsWritten: 0 };
    try {
      reply.outcomes = this.writeInOneTransaction(batch, reply);
    } catch (e) {
      const busy = isSqliteBusy(e);
      reply.outcomes =
        batch.length === 1 || busy
          ? batch.map(() => ({ ok: false, error: asLaneError(e) }))
          : batch.map((p) => {
              try {
                return this.writeInOneTransaction([p], reply)[0];
              } catch (e2) {
                return { ok: false, error: asLaneError(e2) };
              }
            });
    }
    return reply;
  }

  private writeInOneTransaction(batch: LaneAppend[], reply: LaneReply): LaneOutcome[] {
    const outcomes: LaneOutcome[] = new Array(batch.length);
    this.stmt.begin.run();
    this.written.clear();
    try {
      // data_version moves only with other connections' commits: unmoved since ours, the tip is where
      // ours left it, and the read of it is spared (a lone appender's every transaction).
      const version = this.stmt.dataVersion.get() as number;
      const h = { head: this.cachedAt?.position ?? 0, headHash: this.cachedAt?.hash ?? null };
      if (this.cachedAt?.version !== version) {
        const tip = this.stmt.tip.get() as [number, Buffer | null] | undefined;
        [h.head, h.headHash] = tip ?? [0, null];
        if (!this.cachedAt || this.cachedAt.position !== h.head || !sameHash(this.cachedAt.hash, h.headHash)) this.heads.clear();
      }
      this.cachedAt = null;
      let written = 0;
      for (let i = 0; i < batch.length; i++) {
        try {
          const o = this.applyOne(batch[i], h);
          outcomes[i] = o;
          if (o.wrote) written += batch[i].events.length;
        } catch (e) {
          // applyOne checks before it writes, so its refusals leave the transaction clean.
          if (!(e instanceof Refused)) throw e;
          outcomes[i] = { ok: false, error: e.error };
        }
      }
      this.stmt.commit.run();
      if (this.heads.size + this.written.size > MAX_CACHED_HEADS) this.heads.clear();
      for (const [stream, head] of this.written) this.heads.set(stream, head);
      this.cachedAt = { position: h.head, hash: h.headHash, version };
      reply.commits++;
      reply.eventsWritten += written;
      return outcomes;
    } catch (e) {
      if (this.db.inTransaction) this.stmt.rollback.run();
      throw e;
    }
  }

  private streamHead(stream: string): StreamHead | undefined {
    return this.written.get(stream) ?? this.heads.get(stream) ?? (this.stmt.streamTip.get(stream) as StreamHead | undefined);
  }

  /** Runs inside the write transaction. Throws only before writing anything. */
  private applyOne(p: LaneAppend, h: { head: number; headHash: Buffer | null }): LaneOutcome & { ok: true } {
    const { stream, events, expected } = p;
    const last = this.streamHead(stream);
    const current = last ? last[0] : -1;
    if (!expectationHolds(expected, current)) {
      // A retry of a committed append no longer matches its expectation; answer it before refusing.
      const retry = this.idempotentResult(stream, events);
      if (retry) return { ok: true, ...retry, wrote: false };
      throw new Refused({ kind: 'concurrency', stream, expected, actual: current < 0 ? 'no_stream' : current });
    }
    if (events.length === 0) {
      const position = current < 0 ? 0 : (this.stmt.positionOf.get(stream, current) as number);
      return { ok: true, revision: current, position, wrote: false };
    }
    // Insert first and let the unique index on id find retries: the common case pays no extra lookup.
    let revision = current;
    let position = h.head;
    let streamHash = last ? last[1] : null;
    let globalHash = h.headHash;
    try {
      for (const e of events) {
        revision++;
        position = nextPosition(position, this.positionGaps);
        streamHash = streamLinkHash(stream, revision, position, e.bodyHash, streamHash);
        globalHash = globalLinkHash(streamHash, globalHash);
        this.stmt.insert.run(position, e.id, stream, revision, e.type, e.schemaVersion, e.data, e.metadata, e.recordedAt, streamHash, globalHash);
      }
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // Undo this request's rows (the tail of the table), then answer as a retry or a duplicate.
      this.stmt.deleteAfter.run(h.head);
      const retry = this.idempotentResult(stream, events);
      if (retry) return { ok: true, ...retry, wrote: false };
      throw e;
    }
    h.head = position;
    h.headHash = globalHash;
    this.written.set(stream, [revision, streamHash]);
    return { ok: true, revision, position, wrote: true };
  }

  /** The original result when every id is stored with the same content; null when none is stored. */
  private idempotentResult(stream: string, events: LaneEvent[]): { revision: number; position: number } | null {
    let found = 0;
    let revision = -1;
    let position = 0;
    let firstStored: string | null = null;
    for (const e of events) {
      const row = this.stmt.byId.get(e.id) as Row | undefined;
      if (!row) continue;
      found++;
      firstStored ??= e.id;
      if (!sameContent(row, stream, e)) throw new Refused({ kind: 'duplicate', eventId: e.id });
      if (row[3] > revision) revision = row[3];
      if (row[0] > position) position = row[0];
    }
    if (found === 0) return null;
    if (found < events.length) throw new Refused({ kind: 'duplicate', eventId: firstStored as string });
    return { revision, position };
  }
}

/** head + 1, or with test gaps head + 1 + a fixed function of the head in [0, gaps]. */
export function nextPosition(head: number, gaps: number): number {
  return gaps > 0 ? head + 1 + ((head * 7 + 3) % (gaps + 1)) : head + 1;
}

function sameHash(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

function asLaneError(e: unknown): LaneError {
  if (e instanceof Refused) return e.error;
  const code = (e as { code?: unknown })?.code;
  return { kind: 'other', message: e instanceof Error ? e.message : String(e), ...(typeof code === 'string' ? { code } : {}) };
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

function sameContent(row: Row, stream: string, e: LaneEvent): boolean {
  if (row[2] !== stream || row[4] !== e.type || row[5] !== e.schemaVersion) return false;
  if (row[6] !== e.data && !sameJson(JSON.parse(row[6]), JSON.parse(e.data))) return false;
  if (row[7] === e.metadata) return true;
  const stored = JSON.parse(row[7]) as Record<string, unknown>;
  const sent = JSON.parse(e.metadata) as Record<string, unknown>;
  // A retry that leaves recordedAt to the store is the same event as the one the store timestamped.
  return sameJson(stored, e.givenRecordedAt ? sent : { ...sent, recordedAt: stored.recordedAt });
}
