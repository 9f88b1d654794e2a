import type { EntityManager } from 'typeorm';
import { TEMPORAL_ENTITIES } from './entities';

/**
 * For a rebuild of the temporal read models alone: empties their tables and drops their secondary
 * indexes (the projection reads only primary keys; the indexes serve the queries), which
 * finishTemporalRebuild builds once at the end.
 */
export async function beginTemporalRebuild(em: EntityManager): Promise<void> {
  for (const entity of TEMPORAL_ENTITIES) {
    const meta = em.connection.getMetadata(entity);
    await em.query(`DELETE FROM "${meta.tableName}"`);
    for (const index of meta.indices) await em.query(`DROP INDEX IF EXISTS "${index.name}"`);
  }
}

export async function finishTemporalRebuild(em: EntityManager): Promise<void> {
  for (const entity of TEMPORAL_ENTITIES) {
    const meta = em.connection.getMetadata(entity);
    for (const index of meta.indices) {
      const columns = index.columns.map((c) => `"${c.databaseName}"`).join(', ');
      await em.query(`CREATE ${index.isUnique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${index.name}" ON "${meta.tableName}" (${columns})`);
    }
  }
}
