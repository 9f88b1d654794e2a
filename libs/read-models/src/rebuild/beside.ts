import * as path from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventStore } from '@ledger/event-store';
import { openReadModels, type ReadModelsConfig } from '../data-source';
import { LEASE_TABLE, ProjectionLease } from '../lease/lease';
import { startProjector } from '../projection/runner';
import {
  activeGenerationFile,
  dropDeadGenerations,
  dropGeneration,
  generationFile,
  nextGeneration,
  switchActiveGeneration,
} from '../generations/sqlite-generations';
import {
  dropDeadSchemas,
  dropSchemaGeneration,
  generationSchema,
  nextSchemaGeneration,
  activeSchema,
  switchActiveSchemaSql,
} from '../generations/pg-generations';
import {
  carryLeases,
  carryOperationalState,
  carryOperationalStatePg,
  holdStolenLeases,
  LIVE_ALIAS,
  LiveLeasesLostError,
  REBUILD_HOLDER,
  renewStolenLeases,
  retireLeases,
  returnStolenLeases,
  stealLeases,
  type StolenLease,
} from '../generations/switch';
import { rebuildReadModels, type RebuildProgress, type RebuildResult } from './rebuild';

export interface RebuildBesideOptions {
  /** Who rebuilds, as the leases show it (prefixed with REBUILD_HOLDER if it does not begin with it). */
  holder: string;
  /** How long the new generation's lease lasts without renewal (its transactions may be long); renewed every third of it. */
  ttlMs: number;
  /**
   * How long the live generation's leases, taken for the last step, last without renewal (default
   * ttlMs): a rebuild that dies in that step keeps the live projector waiting this long at most.
   */
  liveTtlMs?: number;
  heapMb?: number;
  onProgress?: (p: RebuildProgress) => void;
  onPassDone?: (p: RebuildProgress & { ms: number }) => void;
  /** One line per step, for the operator. */
  log?: (line: string) => void;
  /** How long to wait, after the switch, for every process to let go of the old generation before leaving it to the next rebuild. */
  dropWaitMs?: number;
  /**
   * Awaited at two points of the switch (tests: what a process does to the live set there): 'carried',
   * the notifier's tables copied to the new set and the old one still named live (PostgreSQL: inside the
   * switch's transaction; SQLite: after it, before the control file is renamed); 'switched', the new set
   * named live and the old one's leases not yet retired.
   */
  onPhase?: (phase: 'carried' | 'switched') => void | Promise<void>;
}

export interface RebuildBesideResult extends RebuildResult {
  /** The generation now live, and the one it replaced. */
  file: string;
  replaced: string;
  /** Whether the old generation's files are gone (else the next rebuild drops them). */
  dropped: boolean;
  /** The position the new generation had reached at the switch. */
  switchedAt: bigint;
}

/** Applies the log to `ds` from its checkpoints up to the store's head as of the call. */
async function catchUp(ds: DataSource, store: EventStore, fence: (em: EntityManager) => Promise<void>): Promise<bigint> {
  const projector = await startProjector(ds, store, { fence });
  try {
    await Promise.race([projector.caughtUp(), projector.done.then(() => Promise.reject(new Error('the catch-up stopped before the head')))]);
    return projector.position;
  } finally {
    await projector.stop();
  }
}

/** Where generations live: SQLite files in the data folder, or PostgreSQL schemas. */
interface Generations {
  dropDead(): Promise<{ dropped: string[]; held: string[] }>;
  live(): Promise<string>;
  next(): Promise<string>;
  /**
   * The operational tables carried over, the leases set, and the switch, after the last events are applied;
   * `hold` is given the live lease table, qualified, before anything of the live set is read.
   */
  takeOver(
    next: DataSource,
    live: string,
    file: string,
    stolen: StolenLease[],
    fence: (em: EntityManager) => Promise<void>,
    hold: (em: EntityManager, leaseTable: string) => Promise<void>,
    carried: () => void | Promise<void>,
  ): Promise<void>;
  drop(name: string): Promise<boolean>;
}

function sqliteGenerations(dataDir: string): Generations {
  return {
    dropDead: async () => dropDeadGenerations(dataDir),
    live: async () => activeGenerationFile(dataDir),
    next: async () => generationFile(nextGeneration(dataDir)),
    takeOver: async (next, live, file, stolen, fence, hold, carried) => {
      await next.query(`ATTACH DATABASE ? AS ${LIVE_ALIAS}`, [path.join(dataDir, live)]);
      try {
        await next.transaction(async (em) => {
          await fence(em);
          await hold(em, `${LIVE_ALIAS}."${LEASE_TABLE}"`);
          await carryOperationalState(em);
          await carryLeases(em, stolen);
        });
      } finally {
        await next.query(`DETACH DATABASE ${LIVE_ALIAS}`);
      }
      // Every page of the new generation in its file, synced, before any process moves to it.
      await next.query('PRAGMA wal_checkpoint(TRUNCATE)');
      await carried();
      switchActiveGeneration(dataDir, file);
    },
    drop: async (name) => dropGeneration(dataDir, name),
  };
}

function pgGenerations(url: string): Generations {
  return {
    dropDead: () => dropDeadSchemas(url),
    live: () => activeSchema(url),
    next: async () => generationSchema(await nextSchemaGeneration(url)),
    // One transaction: the notifier's tables, the leases and the control row commit together.
    takeOver: (next, live, schema, stolen, fence, hold, carried) =>
      next.transaction(async (em) => {
        await fence(em);
        await hold(em, `"${live}"."${LEASE_TABLE}"`);
        await carryOperationalStatePg(em, live, schema);
        await carryLeases(em, stolen);
        await carried();
        const { sql, params } = switchActiveSchemaSql(schema);
        await em.query(sql, params);
      }),
    drop: (name) => dropSchemaGeneration(url, name),
  };
}

/** How many times the rebuild takes the live leases, applies the last events and tries to switch before it gives up. */
const TAKEOVER_ATTEMPTS = 3;

/** Resolves once `probe` is true, polling; false after `ms`. */
async function within(ms: number, probe: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A rebuild with no downtime (SQLite read models): the next generation is built in a file of its own
 * while the live projector, the notifier and the API go on with the live one; it catches up with the
 * head; then it takes every lease of the live generation (their writers stop at their next batch),
 * applies the last events, takes over the operational tables (the notifier's outbox), and switches the
 * control file in one rename. Every process that opened the read models follows at its next query;
 * the old generation is deleted once none has it open. Until the rename the live set is untouched (but
 * for its leases, which expire, or are handed back at once when the rebuild fails); what a stopped
 * rebuild leaves is dropped by the next one.
 */
export async function rebuildBeside(config: ReadModelsConfig, store: EventStore, options: RebuildBesideOptions): Promise<RebuildBesideResult> {
  const generations = config.readDbUrl ? pgGenerations(config.readDbUrl) : sqliteGenerations(config.dataDir);
  const log = options.log ?? (() => undefined);
  const { dropped: leftovers, held } = await generations.dropDead();
  if (leftovers.length) log(`dropped what earlier rebuilds left: ${leftovers.join(', ')}`);
  if (held.length) log(`still open in some process, left for the next rebuild: ${held.join(', ')}`);
  const replaced = await generations.live();
  const file = await generations.next();
  const next = await openReadModels(config, { generation: file });
  const live = await openReadModels(config, { generation: replaced }).catch(async (e: unknown) => {
    await next.destroy();
    throw e;
  });
  // A replay of a dead letter (replayDeadLetter) tells by this name that the live set is being switched away.
  const holder = options.holder.startsWith(REBUILD_HOLDER) ? options.holder : `${REBUILD_HOLDER} ${options.holder}`;
  const lease = await ProjectionLease.open(next, { holder, ttlMs: options.ttlMs });
  let stolen: StolenLease[] | null = null;
  let switched = false;
  const liveTtlMs = options.liveTtlMs ?? options.ttlMs;
  const heartbeat = setInterval(() => void lease.renew().catch(() => undefined), Math.round(options.ttlMs / 3));
  const liveHeartbeat = setInterval(
    () => stolen && !switched && void renewStolenLeases(live, holder, liveTtlMs).catch(() => undefined),
    Math.round(liveTtlMs / 3),
  );
  let result: RebuildResult;
  let switchedAt: bigint;
  try {
    if ((await lease.tryAcquire()) === null) throw new Error(`${file} is being written by another process`);
    const fence = (em: EntityManager) => lease.fence(em);
    log(`building ${file} beside the live ${replaced}`);
    result = await rebuildReadModels(next, store, { fence, heapMb: options.heapMb, onProgress: options.onProgress, onPassDone: options.onPassDone });
    // Events appended during the build, while the live projector goes on.
    await catchUp(next, store, fence);
    for (let attempt = 1; ; attempt++) {
      const took = await stealLeases(live, holder, liveTtlMs);
      stolen = took;
      log(`took the live leases (${took.map((l) => l.name).join(', ')}): applying the last events`);
      // Nothing more is written to the live set: the new one applies the last events and takes over.
      switchedAt = await catchUp(next, store, fence);
      try {
        await generations.takeOver(
          next,
          replaced,
          file,
          took,
          fence,
          (em, table) => holdStolenLeases(em, table, holder, took, liveTtlMs),
          () => options.onPhase?.('carried'),
        );
        break;
      } catch (e) {
        if (!(e instanceof LiveLeasesLostError) || attempt >= TAKEOVER_ATTEMPTS) throw e;
        log(`${e.message}: taking them again`);
      }
    }
    switched = true;
    log(`switched the read models to ${file} at position ${switchedAt}`);
    await options.onPhase?.('switched');
    await retireLeases(live, holder, file).catch(() => undefined);
  } catch (e) {
    if (stolen && !switched) await returnStolenLeases(live, holder).catch(() => undefined);
    throw e;
  } finally {
    clearInterval(heartbeat);
    clearInterval(liveHeartbeat);
    // Frees the new generation's lease unless carryLeases set it (a live set that had no lease yet).
    await lease.release().catch(() => undefined);
    await live.destroy().catch(() => undefined);
    await next.destroy().catch(() => undefined);
  }
  const dropped = await within(options.dropWaitMs ?? 30_000, () => generations.drop(replaced));
  log(dropped ? `dropped ${replaced}` : `${replaced} is still open in some process: the next rebuild drops it`);
  return { ...result, file, replaced, dropped, switchedAt };
}
