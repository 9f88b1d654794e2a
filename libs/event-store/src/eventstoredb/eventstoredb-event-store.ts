import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type JSONType,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  ConcurrencyError,
  DEFAULT_MAX_EVENT_BYTES,
  DuplicateEventIdError,
  EventTooLargeError,
  type AppendResult,
  type EventMetadataEnvelope,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type StoredEvent,
  type StreamHeadAt,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
} from '../port';
import { bodyHashOfText, streamLinkHash } from '../hash-chain';
import { TailingHub } from '../postgres/tailing-subscription';
import { sameJson } from '../same-json';

export interface EventStoreDbOptions {
  /** esdb://host:2113?tls=false (or kurrentdb://…) */
  url: string;
  clock?: { now(): Date };
  maxEventBytes?: number;
  /**
   * The ledger's streams in `$all`: events of other streams (system streams, other applications)
   * are skipped. The platform passes STREAM_PREFIX from the event catalogue.
   */
  streamPrefixes?: string[];
  /** Longest wait of an idle subscription when no live event wakes it. Default 1000 ms. */
  fallbackPollMs?: number;
  /** First wait before re-creating a dropped live subscription (doubling to 30 s). Default 250 ms. */
  resubscribeMs?: number;
}

/**
 * The connection string as client 6.2.1 parses it: it knows only `esdb://` and `esdb+discover://`
 * (Client/parseConnectionString.js) and throws on KurrentDB's `kurrentdb://` / `kdb://` (and their
 * `+discover` forms), which name the same protocol; those are rewritten, the rest left to the client.
 */
export function clientConnectionString(url: string): string {
  return url.trim().replace(/^(?:kurrentdb|kdb)(\+discover)?:\/\//i, (_m, discover: string | undefined) => `esdb${discover ? '+discover' : ''}://`);
}

/** What the adapter uses of the client (the tests of its own logic give it a stand-in: no server runs there). */
export type EventStoreDbClientPort = Pick<EventStoreDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

/** The ledger's stream prefixes (STREAM_PREFIX in @ledger/contracts/events); event-store imports drivers only. */
const DEFAULT_PREFIXES = ['unit-', 'cadre-', 'sheet-', 'sheet_number-', 'unit_tree-', 'item-', 'ledger_seal-'];

/** How many of a stream's latest events an idempotency check searches (beyond the batch's own size). */
const RETRY_WINDOW = 500;

/** The metadata key that carries the port's schemaVersion; EventStoreDB has no field for it. */
const SCHEMA_VERSION_KEY = 'ledgerSchemaVersion';
/**
 * The metadata key that carries the event's stream hash (hash-chain.ts). The server assigns the log
 * position after the write, so the link encodes position 0; there is no global chain here (no writer
 * lane of ours): the sealer signs the global order it reads from `$all` (libs/integrity/README.md).
 */
const STREAM_HASH_KEY = 'ledgerStreamHash';

/**
 * Positions: EventStoreDB's `$all` position is a pair (commit, prepare). The port's bigint position
 * is the event's prepare position, its own log position: unique, increasing in `$all` order, so a
 * checkpoint is exact and delivery is exactly once in order. It is NOT contiguous (positions are
 * byte offsets in the log, and other applications' events sit between ours): code must compare
 * positions, never count them. To resume after position p the adapter reads `$all` from
 * { commit: p, prepare: p } and drops what is not after p.
 */
export function openEventStoreDbStore(options: EventStoreDbOptions): EventStoreDbStore {
  return new EventStoreDbStore(EventStoreDBClient.connectionString(clientConnectionString(options.url)), options);
}

export class EventStoreDbStore implements EventStore {
  readonly engine = 'eventstoredb' as const;
  /** `$all` positions are byte offsets in the server's log, other streams' events between ours. */
  readonly contiguousPositions = false;
  private readonly clock: { now(): Date };
  private readonly maxEventBytes: number;
  private readonly prefixes: string[];
  private readonly fallbackPollMs: number;
  private readonly tails: TailingHub;
  private live: { unsubscribe(): Promise<void> } | null = null;
  private readonly resubscribeMs: number;
  private resubscribeDelay: number;
  private resubscribeTimer: NodeJS.Timeout | null = null;
  /** Live subscriptions created (the first and every re-creation after a drop): for tests and operations. */
  liveSubscriptions = 0;
  private readonly pending = new Set<Promise<unknown>>();
  private closing: Promise<void> | null = null;

  constructor(
    private readonly client: EventStoreDbClientPort,
    options: EventStoreDbOptions,
  ) {
    this.clock = options.clock ?? { now: () => new Date() };
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.prefixes = options.streamPrefixes ?? DEFAULT_PREFIXES;
    this.fallbackPollMs = options.fallbackPollMs ?? 1000;
    this.resubscribeMs = options.resubscribeMs ?? 250;
    this.resubscribeDelay = this.resubscribeMs;
    this.tails = new TailingHub({ readAll: (o) => this.readAll(o), headPosition: () => this.headPosition(), fallbackPollMs: this.fallbackPollMs });
  }

  private isOurs(stream: string, type: string): boolean {
    return !type.startsWith('$') && this.prefixes.some((p) => stream.startsWith(p));
  }

  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closing) return Promise.reject(new Error('the event store is closed'));
    const work = this.appendNow(stream, events, expected);
    this.pending.add(work);
    const forget = (): void => void this.pending.delete(work);
    work.then(forget, forget);
    return work;
  }

  private async appendNow(stream: string, events: NewEvent[], expected: ExpectedRevision, attempt = 0): Promise<AppendResult> {
    const now = this.clock.now().toISOString();
    const seen = new Set<string>();
    const prepared = events.map((event) => {
      if (seen.has(event.id)) throw new DuplicateEventIdError(event.id);
      seen.add(event.id);
      const metadata: EventMetadataEnvelope = typeof event.metadata?.recordedAt === 'string' ? event.metadata : { ...event.metadata, recordedAt: now };
      const bytes = Buffer.byteLength(JSON.stringify(event.data ?? null)) + Buffer.byteLength(JSON.stringify(metadata));
      if (bytes > this.maxEventBytes) throw new EventTooLargeError(event.id, bytes, this.maxEventBytes);
      return { event, metadata };
    });

    if (prepared.length === 0) {
      const last = await this.lastOfStream(stream);
      this.check(stream, expected, last ? last.revision : 'no_stream');
      return { revision: last ? last.revision : -1, position: last ? last.position : 0n };
    }
    const retried = () =>
      this.findRetry(
        stream,
        prepared.map((p) => p.event),
        prepared.map((p) => p.metadata),
      );

    // EventStoreDB itself deduplicates a retry whose expected revision is the original's; with `any`
    // or `stream_exists` it may not, so look for the ids first.
    if (expected === 'any' || expected === 'stream_exists') {
      const retry = await retried();
      if (retry) return retry;
    }

    try {
      // The chain needs the revision each event gets and the previous link: read the stream's last
      // event and append with its exact revision, so that a concurrent writer makes this one retry.
      const tip = await this.lastOfStream(stream);
      const actual = tip ? tip.revision : 'no_stream';
      if (!this.holds(expected, actual)) {
        // A retry of a committed append (`no_stream`, a number) no longer matches its expectation:
        // answer it with the original result before refusing, as the port promises.
        const retry = await retried();
        if (retry) return retry;
        throw new ConcurrencyError(stream, expected, actual);
      }
      let prev: Buffer | null = tip?.streamHash ? Buffer.from(tip.streamHash, 'hex') : null;
      let rev = tip ? tip.revision : -1;
      const linked = prepared.map(({ event, metadata }) => {
        rev++;
        const body = bodyHashOfText(event.id, event.type, event.schemaVersion, JSON.stringify(event.data ?? null), JSON.stringify(metadata));
        const sh = streamLinkHash(stream, rev, 0n, body, prev);
        prev = sh;
        return jsonEvent({
          id: event.id,
          type: event.type,
          data: (event.data ?? null) as JSONType,
          metadata: { ...metadata, [SCHEMA_VERSION_KEY]: event.schemaVersion, [STREAM_HASH_KEY]: sh.toString('hex') },
        });
      });
      const result = await this.client.appendToStream(stream, linked, {
        expectedRevision: tip ? BigInt(tip.revision) : NO_STREAM,
      });
      const revision = Number(result.nextExpectedRevision);
      // The append's own answer: the client maintainers document it as the last event's commit position;
      // every append here commits implicitly, where it is that event's prepare position too (what reads give).
      if (result.position) return { revision, position: result.position.commit };
      const [last] = await this.readStream(stream, revision, 1);
      return { revision, position: last.position };
    } catch (e) {
      if (e instanceof WrongExpectedVersionError) {
        const again = await retried();
        if (again) return again;
        // The exact revision the chain was computed for moved: `any` and `stream_exists` try again.
        if ((expected === 'any' || expected === 'stream_exists') && attempt < 10) return this.appendNow(stream, events, expected, attempt + 1);
        const actual = e.actualVersion === NO_STREAM || typeof e.actualVersion !== 'bigint' ? 'no_stream' : Number(e.actualVersion);
        throw new ConcurrencyError(stream, expected, actual);
      }
      throw e;
    }
  }

  private check(stream: string, expected: ExpectedRevision, actual: number | 'no_stream'): void {
    if (!this.holds(expected, actual)) throw new ConcurrencyError(stream, expected, actual);
  }

  private holds(expected: ExpectedRevision, actual: number | 'no_stream'): boolean {
    return (
      expected === 'any' ||
      (expected === 'no_stream' && actual === 'no_stream') ||
      (expected === 'stream_exists' && actual !== 'no_stream') ||
      (typeof expected === 'number' && actual === expected)
    );
  }

  /**
   * The original result when every id of the batch is already in this stream, in order, with the
   * same content; DuplicateEventIdError when only some are, or with other content. Only the last
   * RETRY_WINDOW events of this stream are searched: EventStoreDB has no index by event id, so an id
   * reused in another stream, or much older, is not detected here (the README lists this difference).
   */
  private async findRetry(stream: string, events: NewEvent[], metadata: EventMetadataEnvelope[]): Promise<AppendResult | null> {
    const ids = new Set(events.map((e) => e.id));
    const recent: StoredEvent[] = [];
    try {
      const read = this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: events.length + RETRY_WINDOW });
      for await (const resolved of read) recent.unshift(this.toStored(resolved));
    } catch (e) {
      if (!(e instanceof StreamNotFoundError)) throw e;
    }
    const stored = recent.filter((e) => ids.has(e.id));
    if (stored.length === 0) return null;
    const same =
      stored.length === events.length &&
      stored.every((s, i) => {
        const e = events[i];
        const m = metadata[i];
        const givenAt = typeof e.metadata?.recordedAt === 'string';
        const { recordedAt: _a, ...storedRest } = s.metadata;
        const { recordedAt: _b, ...newRest } = m;
        return (
          s.id === e.id &&
          s.type === e.type &&
          s.schemaVersion === e.schemaVersion &&
          s.revision === stored[0].revision + i &&
          sameJson(s.data, e.data ?? null) &&
          sameJson(storedRest, newRest) &&
          (!givenAt || s.recordedAt === m.recordedAt)
        );
      });
    if (!same) throw new DuplicateEventIdError(stored[0].id);
    const last = stored[stored.length - 1];
    return { revision: last.revision, position: last.position };
  }

  private async lastOfStream(stream: string): Promise<StoredEvent | null> {
    try {
      for await (const resolved of this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        return this.toStored(resolved);
      }
    } catch (e) {
      if (e instanceof StreamNotFoundError) return null;
      throw e;
    }
    return null;
  }

  async readStream(stream: string, fromRevision = 0, limit?: number): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    try {
      const read = this.client.readStream(stream, {
        direction: FORWARDS,
        fromRevision: BigInt(fromRevision),
        ...(limit !== undefined ? { maxCount: limit } : {}),
      });
      for await (const resolved of read) out.push(this.toStored(resolved));
    } catch (e) {
      if (e instanceof StreamNotFoundError) return [];
      throw e;
    }
    return out;
  }

  async readAll(options: ReadAllOptions): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    if (options.limit <= 0) return out;
    let from: Position | typeof START = options.after === 0n ? START : { commit: options.after, prepare: options.after };
    // `readAll` has no server-side filter in this client: read pages and keep the ledger's events.
    const page = Math.max(options.limit, 256);
    for (;;) {
      let read = 0;
      let lastPosition: Position | undefined;
      for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition: from, maxCount: page })) {
        read++;
        const recorded = resolved.event;
        if (!recorded) continue;
        lastPosition = recorded.position;
        if (recorded.position.prepare <= options.after || !this.isOurs(recorded.streamId, recorded.type)) continue;
        out.push(this.toStored(resolved));
        if (out.length === options.limit) return out;
      }
      if (read < page || !lastPosition) return out;
      from = lastPosition;
      // The next page starts with the last event read (reads are inclusive); it is dropped above.
      options = { ...options, after: lastPosition.prepare > options.after ? lastPosition.prepare : options.after };
    }
  }

  /** No index to ask here: a pass over `$all` up to `position` (the sealer does not resume on this engine). */
  async *streamHeadsAt(position: bigint): AsyncGenerator<StreamHeadAt> {
    const heads = new Map<string, StreamHeadAt>();
    for (let after = 0n; ;) {
      const events = (await this.readAll({ after, limit: 1000 })).filter((e) => e.position <= position);
      for (const e of events) heads.set(e.stream, { stream: e.stream, revision: e.revision, position: e.position, streamHash: e.streamHash ?? '' });
      if (events.length < 1000) break;
      after = events[events.length - 1].position;
    }
    yield* heads.values();
  }

  async headPosition(): Promise<bigint> {
    let from: Position | typeof END = END;
    for (;;) {
      let read = 0;
      let lastPosition: Position | undefined;
      for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: 256 })) {
        read++;
        const recorded = resolved.event;
        if (!recorded) continue;
        if (this.isOurs(recorded.streamId, recorded.type)) return recorded.position.prepare;
        lastPosition = recorded.position;
      }
      if (read < 256 || !lastPosition) return 0n;
      from = lastPosition;
    }
  }

  /** No count on the server: the ledger's events of `$all` in the range, read page by page (up to `cap`). */
  async countEvents(after: bigint, upTo: bigint, cap?: number): Promise<number> {
    let n = 0;
    while (after < upTo && (cap === undefined || n < cap)) {
      const page = (await this.readAll({ after, limit: 1000 })).filter((e) => e.position <= upTo);
      n += page.length;
      if (page.length < 1000) break;
      after = page[page.length - 1].position;
    }
    return cap === undefined ? n : Math.min(n, cap);
  }

  subscribe(handler: SubscriptionHandler, options: SubscribeOptions): Subscription {
    if (this.closing) throw new Error('the event store is closed');
    this.ensureLive();
    return this.tails.subscribe(handler, options.after, options.batchSize);
  }

  /**
   * One live `$all` subscription per store, filtered on the server to the ledger's stream prefixes
   * (so system events and other applications' streams never reach us). It only wakes the tailing
   * subscriptions, which read `$all` from their own checkpoints: catch-up and live are the same
   * read, so nothing is missed or seen twice at the hand-over.
   */
  private ensureLive(): void {
    if (this.live || this.closing) return;
    const live = this.client.subscribeToAll({
      fromPosition: END,
      filter: streamNameFilter({ prefixes: this.prefixes }),
    });
    this.liveSubscriptions++;
    live.on('data', () => {
      this.resubscribeDelay = this.resubscribeMs;
      this.tails.wake();
    });
    // Dropped (server restart, leader change, network): made again after a backoff. It only wakes the
    // tailing subscriptions, which read `$all` after their own last handled position, so what was
    // appended meanwhile is read once, neither lost nor repeated; the fallback poll covers the wait.
    const dropped = (): void => {
      if (this.live !== live) return;
      this.live = null;
      void live.unsubscribe().catch(() => undefined);
      if (this.closing || this.resubscribeTimer) return;
      this.resubscribeTimer = setTimeout(() => {
        this.resubscribeTimer = null;
        this.ensureLive();
        this.tails.wake();
      }, this.resubscribeDelay);
      this.resubscribeTimer.unref();
      this.resubscribeDelay = Math.min(this.resubscribeDelay * 2, 30_000);
    };
    live.on('error', dropped);
    live.on('end', dropped);
    live.on('close', dropped);
    this.live = live;
  }

  private toStored(resolved: ResolvedEvent | AllStreamResolvedEvent): StoredEvent {
    const recorded = resolved.event;
    if (!recorded) throw new Error('EventStoreDB returned a link without its event');
    const raw = { ...((recorded.metadata ?? {}) as Record<string, unknown>) };
    const schemaVersion = Number(raw[SCHEMA_VERSION_KEY] ?? 1);
    const streamHash = typeof raw[STREAM_HASH_KEY] === 'string' ? (raw[STREAM_HASH_KEY] as string) : undefined;
    delete raw[SCHEMA_VERSION_KEY];
    delete raw[STREAM_HASH_KEY];
    const metadata = raw as EventMetadataEnvelope;
    const position = recorded.position?.prepare ?? resolved.commitPosition;
    if (position === undefined) throw new Error('EventStoreDB returned an event without a position (server older than 21.10?)');
    return {
      id: recorded.id,
      stream: recorded.streamId,
      type: recorded.type,
      schemaVersion,
      data: recorded.data,
      metadata,
      revision: Number(recorded.revision),
      position,
      recordedAt: typeof metadata.recordedAt === 'string' ? metadata.recordedAt : recorded.created.toISOString(),
      ...(streamHash ? { streamHash } : {}),
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.pending]);
      await this.tails.stopAll();
      if (this.resubscribeTimer) clearTimeout(this.resubscribeTimer);
      this.resubscribeTimer = null;
      await this.live?.unsubscribe().catch(() => undefined);
      this.live = null;
      await this.client.dispose();
    })();
    return this.closing;
  }
}
