import type { DataSource, EntityManager } from 'typeorm';
import type { EventStore, ReplayedEvent } from '@ledger/event-store';
import { CheckpointRow, READ_MODELS_CHECKPOINT, TEMPORAL_CHECKPOINT } from '../checkpoint/checkpoint.entity';
import { countCounters } from '../figures/recount';
import type { CounterDelta } from '../figures/counters';
import { ensureStarFactTable, projectStarFacts, STAR_FACT_TABLE } from '../star-rating/project';
import { holdItemVersions } from '../temporal/project';
import { beginTemporalRebuild } from '../temporal/rebuild';
import { upsertRows } from '../db/upsert';
import { isPostgres } from '../db/sql';
import { freshAfter, projected } from '../projection/events';
import { CurrentStateFold, Touched } from '../projection/current-state';
import { applyTemporalEvents } from '../projection/temporal';
import { heapBound } from './heap';
import { clearForRebuild } from './tables';
import { COUNTERS_STALE, CURRENT_STATE_ENTITIES, finishRebuild, finishTemporalPass, TEMPORAL_STALE, vacuumReadModels } from './finish';

export type RebuildPhase = 'current' | 'temporal';

export interface RebuildProgress {
  /** current: the current-state read models (what the API's ordinary queries read); temporal: as-of. */
  phase: RebuildPhase;
  position: bigint;
  head: bigint;
  /** Events replayed in this phase so far. */
  events: number;
}

export interface RebuildResult {
  position: bigint;
  head: bigint;
  events: number;
  /** Wall-clock time of each pass, its final step (counters, indexes) included. */
  currentMs: number;
  temporalMs: number;
}

/** The read models' SQLite page cache during a rebuild (negative: KiB). */
const REBUILD_CACHE_KIB = -4096;

/** The heap a process that runs a rebuild alone (`ledger rebuild`) keeps near: the RSS bound of issue #3 is 300 MB. */
export const REBUILD_HEAP_MB = 120;

/** Open item versions a rebuild's temporal pass keeps at most (100,000 items: ~60 MB of heap), whatever the county. */
const REBUILD_ITEM_VERSIONS = 100_000;

/** Events read from the store per call while rebuilding: a batch small enough to die young. */
const REBUILD_READ = 1000;

type Transaction = <T>(work: (em: EntityManager) => Promise<T>) => Promise<T>;
type ReadLog = (options: { after: bigint; limit: number }) => Promise<ReplayedEvent[]>;
/** The log as a rebuild reads it: without what no projection reads, where the store can leave it out. */
function replayReader(store: EventStore): ReadLog {
  return store.readForReplay ? (o) => store.readForReplay!(o) : (o) => store.readAll(o);
}

/**
 * A rebuild's current-state pass: the log folded in memory (every row held, changed in place), a
 * commit every `batchSize` events, counters and indexes at the end (also when it fails: the tables
 * are then those of its last commit). Its rows are let go when it returns, before the temporal pass.
 */
async function replayCurrentState(
  read: ReadLog,
  transaction: Transaction,
  options: {
    batchSize: number;
    readLimit: number;
    head: bigint;
    contiguous: boolean;
    onProgress?: (p: RebuildProgress) => void;
    bound: (collect?: boolean) => void;
    statistics: boolean;
  },
): Promise<{ position: bigint; events: number }> {
  const fold = new CurrentStateFold(true);
  let position = 0n;
  let events = 0;
  let folded = 0n;
  let pending = 0;
  const flush = async () => {
    const upTo = folded;
    await transaction(async (em) => {
      await fold.write(em);
      await projectStarFacts(em, fold.starEvents);
      await upsertRows(em, CheckpointRow, [{ name: READ_MODELS_CHECKPOINT, position: upTo.toString() }]);
    });
    fold.starEvents = [];
    position = upTo;
    pending = 0;
  };
  let counters: CounterDelta[] | undefined;
  try {
    for (;;) {
      const batch = await read({ after: folded, limit: options.readLimit });
      if (batch.length === 0) break;
      const { checkpoint } = freshAfter(folded, batch, options.contiguous);
      fold.apply(projected(batch));
      folded = checkpoint;
      events += batch.length;
      pending += batch.length;
      if (pending >= options.batchSize) await flush();
      options.bound();
      options.onProgress?.({ phase: 'current', position: folded, head: options.head, events });
    }
    if (pending > 0) await flush();
    counters = countCounters(fold.items.current.values(), fold.units);
  } finally {
    // The fold's rows are written: let them go before the index builds, and collect them now (most of
    // the heap), so that the temporal pass grows from what is alive.
    fold.items = new Touched();
    options.bound(true);
    await transaction((em) => finishRebuild(em, counters, options.statistics));
  }
  return { position, events };
}

/**
 * Clears every read model and replays the whole log from position 0: first the current-state read
 * models (folded in memory, written with prepared statements, one transaction and checkpoint per
 * `batchSize` events; counters and indexes once at the end), then the temporal ones, a transaction
 * and their own checkpoint per `temporalBatchSize` events. Ends with the same rows as the live
 * projector; run it while no projector writes. If it dies, a projector goes on from both checkpoints.
 */
export async function rebuildReadModels(
  dataSource: DataSource,
  store: EventStore,
  options: {
    batchSize?: number;
    temporalBatchSize?: number;
    onProgress?: (p: RebuildProgress) => void;
    /** A pass finished, its final step included: `ms` is its wall-clock time. */
    onPassDone?: (p: RebuildProgress & { ms: number }) => void;
    /** For the process that runs the rebuild alone: keep its heap near this many MB (heapBound). */
    heapMb?: number;
    /** The first statement of every transaction (the projection lease's fence, as a live projector's batches have). */
    fence?: (em: EntityManager) => Promise<void>;
  } = {},
): Promise<RebuildResult> {
  const batchSize = options.batchSize ?? 1_000_000;
  const sqlite = dataSource.options.type === 'better-sqlite3';
  const pg = isPostgres(dataSource);
  // Measured on 200k events (SQLite): 1,000 per transaction as fast as 5,000 or 20,000, and the smallest
  // peak RSS. On PostgreSQL each batch costs a dozen round trips and closes by UPDATE the versions the
  // batches before opened: 10,000 took the temporal pass from 13.8 to 11.3 s (20,000 events, load 16).
  const temporalBatchSize = options.temporalBatchSize ?? Math.min(batchSize, pg ? 10_000 : 1000);
  const readLimit = Math.min(batchSize, REBUILD_READ);
  const read = replayReader(store);
  const bound: (collect?: boolean) => void = options.heapMb ? heapBound(options.heapMb) : () => undefined;
  let cacheSize: unknown;
  if (sqlite) {
    // Rows are folded in memory and written once: a small page cache does as well and keeps the
    // process small (clearing the old tables and the index builds at the end would otherwise fill it).
    cacheSize = (await dataSource.query('PRAGMA cache_size'))[0]?.cache_size;
    await dataSource.query(`PRAGMA cache_size = ${REBUILD_CACHE_KIB}`);
  }
  // Secondary indexes are dropped while the log is replayed and built once at the end of each pass:
  // far cheaper than keeping them up to date row by row. (Opening the read models recreates any left missing.)
  const fence = options.fence ?? (async () => undefined);
  await dataSource.transaction(async (em) => {
    await fence(em);
    await clearForRebuild(em, CURRENT_STATE_ENTITIES);
    await beginTemporalRebuild(em);
    await ensureStarFactTable(em);
    await em.query(`DELETE FROM "${STAR_FACT_TABLE}"`);
    // Counters and indexes come at the end; if the rebuild dies first, the projector finishes it on start.
    await upsertRows(em, CheckpointRow, [
      { name: COUNTERS_STALE, position: '0' },
      { name: TEMPORAL_STALE, position: '0' },
      { name: TEMPORAL_CHECKPOINT, position: '0' },
    ]);
  });
  // A rebuild that dies starts again (or a projector goes on from its checkpoints), so nothing of it
  // needs to reach the disk before its end: the final step below makes it durable.
  if (sqlite) await dataSource.query('PRAGMA synchronous = OFF');
  const transaction: Transaction = (work) =>
    dataSource.transaction(async (em) => {
      await fence(em);
      if (pg) await em.query('SET LOCAL synchronous_commit = off');
      return work(em);
    });
  const head = await store.headPosition();
  let position = 0n;
  let events: number;
  let currentMs: number;
  let temporalMs: number;
  try {
    const started = Date.now();
    ({ position, events } = await replayCurrentState(read, transaction, {
      batchSize,
      readLimit,
      head,
      contiguous: store.contiguousPositions,
      onProgress: options.onProgress,
      bound,
      // PostgreSQL: vacuumReadModels analyzes every table once the rebuild is done; an ANALYZE here
      // too cost ~0.9 s of a 20,000-event rebuild's statements for nothing.
      statistics: !pg,
    }));
    currentMs = Date.now() - started;
    options.onPassDone?.({ phase: 'current', position, head, events, ms: currentMs });

    const temporalStarted = Date.now();
    let temporalEvents = 0;
    let temporal = 0n;
    holdItemVersions(dataSource, REBUILD_ITEM_VERSIONS);
    try {
      while (temporal < position) {
        const batch = (await read({ after: temporal, limit: temporalBatchSize })).filter((e) => e.position <= position);
        if (batch.length === 0) break;
        temporal = await transaction((em) => applyTemporalEvents(em, batch, { contiguous: store.contiguousPositions, bulk: true }));
        temporalEvents += batch.length;
        bound();
        options.onProgress?.({ phase: 'temporal', position: temporal, head, events: temporalEvents });
      }
    } finally {
      holdItemVersions(dataSource);
    }
    // A durable commit (PostgreSQL flushes the log up to it, every earlier commit of the rebuild included).
    await dataSource.transaction(async (em) => {
      await fence(em);
      await finishTemporalPass(em, !pg);
    });
    await vacuumReadModels(dataSource);
    temporalMs = Date.now() - temporalStarted;
    options.onPassDone?.({ phase: 'temporal', position: temporal, head, events: temporalEvents, ms: temporalMs });
  } finally {
    if (sqlite) {
      await dataSource.query('PRAGMA synchronous = NORMAL');
      if (typeof cacheSize === 'number') await dataSource.query(`PRAGMA cache_size = ${cacheSize}`);
      // Every page of the rebuild into the database file, synced: durable from here on.
      await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
    }
  }
  return { position, head, events, currentMs, temporalMs };
}
