import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { CheckpointRow } from '../checkpoint/checkpoint.entity';
import { ItemCounterRow } from '../figures/item-counter.entity';
import type { CounterDelta } from '../figures/counters';
import { recountCounters } from '../figures/recount';
import { READ_MODEL_ENTITIES } from '../data-source';
import { TEMPORAL_ENTITIES } from '../temporal/entities';
import { finishTemporalRebuild } from '../temporal/rebuild';
import { copyRows } from '../db/copy-rows';
import { isPostgres } from '../db/sql';
import { createIndexes } from './tables';

/** Marks counters a rebuild has not yet counted (they are counted once, at its end). */
export const COUNTERS_STALE = 'counters-stale';
/** Marks temporal read models a rebuild left without indexes (built once they have caught up). */
export const TEMPORAL_STALE = 'temporal-stale';

export const CURRENT_STATE_ENTITIES = READ_MODEL_ENTITIES.filter((e) => !(TEMPORAL_ENTITIES as unknown[]).includes(e));

/** Fresh statistics: SQLite's planner picks the covering (unit, sort key, id) indexes with them. */
async function analyze(em: EntityManager, entities: readonly EntityTarget<ObjectLiteral>[]): Promise<void> {
  for (const entity of entities) await em.query(`ANALYZE "${em.connection.getMetadata(entity).tableName}"`);
}

/**
 * The last step of a rebuild's current-state pass, also taken by a projector that finds it died
 * half-way; `counters`: counted already from the rebuild's fold (else counted here from the tables);
 * `statistics` false: the caller analyzes the tables later (a PostgreSQL rebuild: vacuumReadModels).
 */
export async function finishRebuild(em: EntityManager, counters?: CounterDelta[], statistics = true): Promise<void> {
  if (counters) {
    await em.query(`DELETE FROM "rm_item_counter"`);
    await copyRows(em, ItemCounterRow, counters as ItemCounterRow[]);
  } else await recountCounters(em);
  await createIndexes(em, CURRENT_STATE_ENTITIES);
  await em.getRepository(CheckpointRow).delete({ name: COUNTERS_STALE });
  if (statistics) await analyze(em, CURRENT_STATE_ENTITIES);
}

/** The last step of a rebuild's temporal pass, taken once the temporal models have caught up. */
export async function finishTemporalPass(em: EntityManager, statistics = true): Promise<void> {
  await finishTemporalRebuild(em);
  await em.getRepository(CheckpointRow).delete({ name: TEMPORAL_STALE });
  if (statistics) await analyze(em, TEMPORAL_ENTITIES);
}

/**
 * PostgreSQL, once a rebuild is done: VACUUM (ANALYZE) every read-model table, outside any transaction.
 * The temporal pass closes most item versions by an UPDATE of a row written in an earlier batch (about
 * half of rm_t_item's tuples are dead at its end) and no page is marked all-visible yet, so until
 * autovacuum came by the planner read the whole heap for an as-of list (covering indexes are no use
 * while every match must be checked in the heap): 75–450 ms against 6–8 ms vacuumed, 3 × 40,000 events.
 */
export async function vacuumReadModels(ds: DataSource): Promise<void> {
  if (!isPostgres(ds)) return;
  for (const entity of READ_MODEL_ENTITIES) await ds.query(`VACUUM (ANALYZE) "${ds.getMetadata(entity).tableName}"`);
}
