import { Client, type Pool } from 'pg';
import {
  ConcurrencyError,
  DEFAULT_MAX_EVENT_BYTES,
  DuplicateEventIdError,
  EventTooLargeError,
  type AppendResult,
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
import { bodyHashOfText } from '../hash-chain';
import { migrate } from './migrations';
import { resilientPool } from './pool';
import { TailingHub } from './tailing-subscription';

export interface PostgresEventStoreOptions {
  /** postgres://user:password@host:5432/db */
  url: string;
  clock?: { now(): Date };
  maxEventBytes?: number;
  /** The schema holding the store's tables (created if missing). Default `ledger_events`. */
  schema?: string;
  /** Pool size for reads and appends. Default 10. */
  poolSize?: number;
  /** Longest wait of an idle subscription when no notification arrives. Default 1000 ms. */
  fallbackPollMs?: number;
  /** Most appends sent in one group commit. Default 1000. */
  maxBatchAppends?: number;
  /** Stream heads fetched per page by streamHeadsAt. Default 5000; the spec sets it small. */
  headsPageSize?: number;
}

interface PendingAppend {
  stream: string;
  expected: ExpectedRevision;
  /** h: the body hash (hex), chained under the head lock by ledger_append_group. */
  events: { id: string; type: string; schema_version: number; recorded_at: string; recorded_at_given: boolean; h: string }[];
  /** data and metadata of each event, as JSON text. */
  payloads: string[];
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type BatchResult =
  | { status: 'ok' | 'duplicate'; revision: number; position: string }
  | { status: 'conflict'; actual: number | null }
  | { status: 'duplicate_id'; id: string }
  | { status: 'error'; detail: string };

interface EventRow {
  position: string;
  id: string;
  stream: string;
  revision: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: Record<string, unknown>;
  stream_hash: string | null;
  global_hash: string | null;
}

// Positions leave as text (int8 exceeds 2^53); ORDER BY must then name events.position, not the text alias.
const COLUMNS =
  "position::text AS position, id, stream, revision, type, schema_version, data, metadata, encode(stream_hash, 'hex') AS stream_hash, encode(global_hash, 'hex') AS global_hash";

const HEADS_PAGE_SIZE = 5000;

function toStored(row: EventRow): StoredEvent {
  return {
    id: row.id,
    stream: row.stream,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    revision: row.revision,
    position: BigInt(row.position),
    recordedAt: String(row.metadata.recordedAt),
    ...(row.stream_hash ? { streamHash: row.stream_hash } : {}),
    ...(row.global_hash ? { globalHash: row.global_hash } : {}),
  };
}

/** Opens (and migrates) the PostgreSQL event store. */
export async function openPostgresEventStore(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
  const schema = options.schema ?? 'ledger_events';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const page = options.headsPageSize;
  if (page !== undefined && !(Number.isSafeInteger(page) && page > 0)) throw new Error(`headsPageSize must be a positive integer, not ${page}`);
  const pool = resilientPool(options.url, options.poolSize ?? 10);
  try {
    await migrate(pool, schema);
  } catch (e) {
    await pool.end();
    throw e;
  }
  return new PostgresEventStore(pool, schema, options);
}

export class PostgresEventStore implements EventStore {
  readonly engine = 'postgres' as const;
  /** Drawn from ledger_head inside the writing transaction (./migrations.ts): gap-free and visible in commit order. */
  readonly contiguousPositions = true;
  private readonly q: string;
  /** Its prepared statements' names: PostgreSQL cuts a name at 63 bytes, so what tells them apart comes first. */
  private readonly statementNames: { append: string; readStream: string };
  private readonly channel: string;
  private readonly clock: { now(): Date };
  private readonly maxEventBytes: number;
  private readonly maxBatchAppends: number;
  private readonly fallbackPollMs: number;
  private readonly headsPageSize: number;
  private readonly tails: TailingHub;
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  private listener: Client | null = null;
  private listenerStarting: Promise<void> | null = null;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly options: PostgresEventStoreOptions,
  ) {
    this.q = `"${schema}"`;
    this.statementNames = { append: `ledger_append_${schema}`, readStream: `ledger_read_stream_${schema}` };
    this.channel = `ledger_head_${schema}`;
    this.clock = options.clock ?? { now: () => new Date() };
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.maxBatchAppends = options.maxBatchAppends ?? 1000;
    this.fallbackPollMs = options.fallbackPollMs ?? 1000;
    this.headsPageSize = options.headsPageSize ?? HEADS_PAGE_SIZE;
    this.tails = new TailingHub({ readAll: (o) => this.readAll(o), headPosition: () => this.headPosition(), fallbackPollMs: this.fallbackPollMs });
  }

  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('the event store is closed'));
    const seen = new Set<string>();
    const now = this.clock.now().toISOString();
    const prepared: PendingAppend['events'] = [];
    const payloads: string[] = [];
    for (const event of events) {
      if (seen.has(event.id)) return Promise.reject(new DuplicateEventIdError(event.id));
      seen.add(event.id);
      const given = typeof event.metadata?.recordedAt === 'string';
      const metadata = given ? event.metadata : { ...event.metadata, recordedAt: now };
      const data = JSON.stringify(event.data === undefined ? null : event.data);
      const meta = JSON.stringify(metadata);
      const bytes = Buffer.byteLength(data) + Buffer.byteLength(meta);
      if (bytes > this.maxEventBytes) return Promise.reject(new EventTooLargeError(event.id, bytes, this.maxEventBytes));
      prepared.push({
        id: event.id,
        type: event.type,
        schema_version: event.schemaVersion,
        recorded_at: String(metadata.recordedAt),
        recorded_at_given: given,
        h: bodyHashOfText(event.id, event.type, event.schemaVersion, data, meta).toString('hex'),
      });
      payloads.push(data, meta);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ stream, expected, events: prepared, payloads, resolve, reject });
      if (!this.flushing) this.flushing = this.flush();
    });
  }

  /** Group commit: whatever queued while the previous batch was in flight goes in the next one call. */
  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatchAppends);
        try {
          await this.writeBatch(batch);
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    // One array per field, as ledger_append_group takes them (./migrations.ts, migration 5).
    const streams: string[] = [];
    const expected: string[] = [];
    const counts: number[] = [];
    const ids: string[] = [];
    const types: string[] = [];
    const versions: number[] = [];
    const instants: string[] = [];
    const given: boolean[] = [];
    const hashes: string[] = [];
    const payloads: string[] = [];
    for (const p of batch) {
      streams.push(p.stream);
      expected.push(String(p.expected));
      counts.push(p.events.length);
      for (const e of p.events) {
        ids.push(e.id);
        types.push(e.type);
        versions.push(e.schema_version);
        instants.push(e.recorded_at);
        given.push(e.recorded_at_given);
        hashes.push(e.h);
      }
      for (const text of p.payloads) payloads.push(text);
    }
    // Named: prepared once per connection, where an unnamed statement is parsed and planned on every call.
    const { rows } = await this.pool.query<{ r: { head: string; results: BatchResult[] } }>({
      name: this.statementNames.append,
      text: `SELECT ${this.q}.ledger_append_group($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::text[], $8::boolean[], $9::text[], $10::text[], $11) AS r`,
      values: [streams, expected, counts, ids, types, versions, instants, given, hashes, payloads, this.channel],
    });
    const { results } = rows[0].r;
    batch.forEach((p, i) => {
      const r = results[i];
      switch (r.status) {
        case 'ok':
        case 'duplicate':
          p.resolve({ revision: r.revision, position: BigInt(r.position) });
          break;
        case 'conflict':
          p.reject(new ConcurrencyError(p.stream, p.expected, r.actual ?? 'no_stream'));
          break;
        case 'duplicate_id':
          p.reject(new DuplicateEventIdError(r.id));
          break;
        default:
          p.reject(new Error(`append to ${p.stream} failed: ${r.detail}`));
      }
    });
  }

  async readStream(stream: string, fromRevision = 0, limit?: number): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>({
      name: this.statementNames.readStream,
      text: `SELECT ${COLUMNS} FROM ${this.q}.events WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
      values: [stream, fromRevision, limit ?? null],
    });
    return rows.map(toStored);
  }

  async readAll(options: ReadAllOptions): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>(`SELECT ${COLUMNS} FROM ${this.q}.events WHERE events.position > $1 ORDER BY events.position LIMIT $2`, [
      options.after.toString(),
      options.limit,
    ]);
    return rows.map(toStored);
  }

  /**
   * Paged through a server-side cursor on one client, so that 160,000 heads at a million events are
   * never held as one result; REPEATABLE READ keeps every page in the same snapshot. A consumer that
   * stops early (`return()`) ends the transaction and releases the client through the finally.
   */
  async *streamHeadsAt(position: bigint): AsyncGenerator<StreamHeadAt> {
    const client = await this.pool.connect();
    let done = false;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(
        `DECLARE heads NO SCROLL CURSOR FOR
         SELECT h.stream, h.revision, e.position::text AS position, encode(e.stream_hash, 'hex') AS hash
         FROM (SELECT stream, max(revision) AS revision, min(position) AS first FROM ${this.q}.events WHERE position <= $1 GROUP BY stream) h
         JOIN ${this.q}.events e ON e.stream = h.stream AND e.revision = h.revision
         ORDER BY h.first`,
        [position.toString()],
      );
      for (;;) {
        const { rows } = await client.query<{ stream: string; revision: number; position: string; hash: string | null }>(
          `FETCH ${this.headsPageSize} FROM heads`,
        );
        if (rows.length === 0) break;
        for (const r of rows) yield { stream: r.stream, revision: r.revision, position: BigInt(r.position), streamHash: r.hash ?? '' };
      }
      await client.query('COMMIT');
      done = true;
    } finally {
      // Nothing was written: a rollback closes the cursor; a client that cannot even do that is discarded.
      if (!done) {
        try {
          await client.query('ROLLBACK');
        } catch (e) {
          broken = e instanceof Error ? e : new Error(String(e));
        }
      }
      client.release(broken);
    }
  }

  async headPosition(): Promise<bigint> {
    const { rows } = await this.pool.query<{ position: string }>(`SELECT position::text AS position FROM ${this.q}.ledger_head WHERE id = 1`);
    return BigInt(rows[0].position);
  }

  async countEvents(after: bigint, upTo: bigint, cap?: number): Promise<number> {
    if (upTo <= after) return 0;
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM (SELECT 1 FROM ${this.q}.events WHERE position > $1 AND position <= $2 LIMIT $3) c`,
      [after.toString(), upTo.toString(), cap ?? null],
    );
    return Number(rows[0].n);
  }

  subscribe(handler: SubscriptionHandler, options: SubscribeOptions): Subscription {
    if (this.closed) throw new Error('the event store is closed');
    void this.ensureListener();
    return this.tails.subscribe(handler, options.after, options.batchSize);
  }

  /** One LISTEN connection per store, shared by its subscriptions; the fallback poll covers a lost one. */
  private ensureListener(): Promise<void> {
    if (this.listener || this.listenerStarting) return this.listenerStarting ?? Promise.resolve();
    this.listenerStarting = (async () => {
      const client = new Client({ connectionString: this.options.url });
      client.on('error', () => {
        if (this.listener === client) this.listener = null;
      });
      client.on('notification', (n) => {
        const head = n.payload ? BigInt(n.payload) : undefined;
        this.tails.wake(head);
      });
      try {
        await client.connect();
        await client.query(`LISTEN "${this.channel}"`);
        if (this.closed) await client.end();
        else this.listener = client;
      } catch {
        await client.end().catch(() => undefined);
      }
    })().finally(() => {
      this.listenerStarting = null;
    });
    return this.listenerStarting;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      while (this.flushing) await this.flushing;
      await this.tails.stopAll();
      if (this.listenerStarting) await this.listenerStarting;
      await this.listener?.end().catch(() => undefined);
      this.listener = null;
      await this.pool.end();
    })();
    return this.closing;
  }
}
