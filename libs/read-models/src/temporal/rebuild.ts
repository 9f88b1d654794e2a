import type { EntityManager } from 'typeorm';
import { clearForRebuild, createIndexes } from '../rebuild/tables';
import { TEMPORAL_ENTITIES } from './entities';

/**
 * For a rebuild of the temporal read models alone: empties their tables and drops their secondary
 * indexes (the projection reads only primary keys; the indexes serve the queries), which
 * finishTemporalRebuild builds once at the end.
 */
export function beginTemporalRebuild(em: EntityManager): Promise<void> {
  return clearForRebuild(em, TEMPORAL_ENTITIES);
}

export function finishTemporalRebuild(em: EntityManager): Promise<void> {
  return createIndexes(em, TEMPORAL_ENTITIES);
}
