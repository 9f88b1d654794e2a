/**
 * The event store port. Every engine (embedded SQLite, PostgreSQL, EventStoreDB) implements it and
 * passes the same contract suite (./testing/contract-suite.ts).
 *
 * Revisions are per stream, 0-based (the first event of a stream has revision 0).
 * Positions are global, positive, unique, and strictly increasing in commit order (a reader that has
 * seen position p never later meets an event at or below p); `0n` means "before everything". They are
 * NOT promised to be contiguous: EventStoreDB's are byte offsets in its log. A store that does hand
 * out 1, 2, 3 … says so (`contiguousPositions`), and only then may a consumer treat a missing number
 * as a missing event. Everyone else compares positions and counts events (`countEvents`), never
 * subtracts or adds one to a position to find a neighbour or a distance.
 */
export type ExpectedRevision = 'no_stream' | 'any' | 'stream_exists' | number;

export interface EventMetadataEnvelope {
  actor?: unknown;
  correlationId?: string;
  causationId?: string;
  /** When given (ISO-8601), it is the event's recorded-at time; otherwise the store's clock sets it. */
  recordedAt?: string;
  [extra: string]: unknown;
}

export interface NewEvent {
  /** UUID; appending an id that is already stored is an idempotent retry. */
  id: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: EventMetadataEnvelope;
}

export interface StoredEvent {
  id: string;
  stream: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: EventMetadataEnvelope;
  revision: number;
  position: bigint;
  /** ISO-8601 instant; equal to metadata.recordedAt, which the store fills in when the appender left it out. */
  recordedAt: string;
  /** Hex SHA-256 link of the stream's hash chain, set by the store at append (./hash-chain.ts). */
  streamHash?: string;
  /** Hex SHA-256 link of the global chain (SQLite, PostgreSQL; EventStoreDB has none: the sealer covers the order). */
  globalHash?: string;
}

/** An event as a projection replays it: no id, metadata or hash links, which no read model is folded from. */
export type ReplayedEvent = Pick<StoredEvent, 'stream' | 'type' | 'schemaVersion' | 'data' | 'revision' | 'position' | 'recordedAt'>;

export interface AppendResult {
  /** The stream's revision after the append (its last event's revision); -1 when an empty append finds no stream. */
  revision: number;
  /** The global position of the last appended event (for an empty append: the stream's last event, 0n if none). */
  position: bigint;
}

/** A stream's last event at or before some position: what a seal's Merkle tree is built over. */
export interface StreamHeadAt {
  stream: string;
  revision: number;
  position: bigint;
  /** Hex, as StoredEvent.streamHash ('' where the store kept none). */
  streamHash: string;
}

export interface ReadAllOptions {
  /** Exclusive: events with position > after. */
  after: bigint;
  limit: number;
}

export interface SubscribeOptions {
  /** Exclusive checkpoint: delivery starts with the first event whose position is greater. */
  after: bigint;
  batchSize?: number;
}

/** Called with batches in position order; the next batch is delivered once the promise settles. */
export type SubscriptionHandler = (events: StoredEvent[]) => Promise<void> | void;

export interface Subscription {
  /** The position of the last event handed to the handler. */
  readonly position: bigint;
  /** Resolves once caught up with the store's head as of the call. */
  caughtUp(): Promise<void>;
  /** Resolves when the handler has seen `position` (or later). */
  waitFor(position: bigint, timeoutMs?: number): Promise<boolean>;
  /** Stops delivery; resolves when the current batch, if any, has been handled. */
  stop(): Promise<void>;
  /** Rejects if the handler throws; the subscription then stops. */
  readonly done: Promise<void>;
}

export interface EventStore {
  readonly engine: 'sqlite' | 'postgres' | 'eventstoredb';
  /**
   * Positions are 1, 2, 3 … without a gap (SQLite, PostgreSQL): a consumer may then refuse a gap as
   * a lost event (the projector does: it guards PostgreSQL's commit-order invariant). False where
   * positions only increase (EventStoreDB; SQLite with its test-only position gaps).
   */
  readonly contiguousPositions: boolean;
  /**
   * Appends atomically: all events or none.
   * - `expected` is checked against the stream's current revision; a mismatch throws ConcurrencyError.
   * - Idempotent retry: when EVERY id of the batch is already stored in this stream with the same
   *   type, schemaVersion, data and metadata, nothing is written and the original result (revision
   *   and position of the batch's last event) is returned, whatever `expected` says. Some ids stored
   *   and others not (partial overlap), an id stored with other content or in another stream, or an
   *   id repeated inside the batch: DuplicateEventIdError, nothing written.
   * - An event whose encoded data + metadata exceeds the store's limit: EventTooLargeError, nothing written.
   * - An empty list writes nothing; it still checks `expected` and returns the stream's current
   *   revision (-1 when there is no stream) and its last event's position (0n when none).
   */
  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Events of one stream from `fromRevision` (inclusive), oldest first. An unknown stream reads []. */
  readStream(stream: string, fromRevision?: number, limit?: number): Promise<StoredEvent[]>;
  readAll(options: ReadAllOptions): Promise<StoredEvent[]>;
  /**
   * Optional: readAll for a rebuild that replays the whole log, leaving out what a projection never
   * reads (ids, metadata, hash links): on SQLite those columns were more than half the cost of a read.
   */
  readForReplay?(options: ReadAllOptions): Promise<ReplayedEvent[]>;
  /**
   * The head of every stream as of `position`: each stream's last event at or before it, streams in
   * the order they began (by the position of their revision 0). Lets a sealer resume from a seal
   * without walking the log up to it: one query on the SQL engines. One at a time, so that a caller
   * folding 100,000 heads into something compact never holds them all as objects.
   */
  streamHeadsAt(position: bigint): AsyncIterable<StreamHeadAt>;
  /** The position of the last committed event (0n when empty). */
  headPosition(): Promise<bigint>;
  /**
   * How many events lie in (after, upTo]: what lag and progress report (positions may have gaps, so
   * their difference is no count). Stops counting at `cap` when given (the answer is then `cap`):
   * EventStoreDB has no count and reads `$all` over the range.
   */
  countEvents(after: bigint, upTo: bigint, cap?: number): Promise<number>;
  subscribe(handler: SubscriptionHandler, options: SubscribeOptions): Subscription;
  /** Waits for pending appends, stops subscriptions, releases the engine. Calling it twice is harmless. */
  close(): Promise<void>;
}

export class ConcurrencyError extends Error {
  readonly code = 'CONCURRENCY_CONFLICT';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

export class EventTooLargeError extends Error {
  readonly code = 'EVENT_TOO_LARGE';
  constructor(
    readonly eventId: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`event ${eventId} is ${bytes} bytes; the limit is ${limit}`);
  }
}

/** An event id reused with a different stream, type or payload: not a retry, a client bug. */
export class DuplicateEventIdError extends Error {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(readonly eventId: string) {
    super(`event id ${eventId} is already stored with other content`);
  }
}

/** Default limit for one event's encoded data + metadata. */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
