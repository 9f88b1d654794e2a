import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Empties the tables of `entities` and drops their secondary indexes: a rebuild writes them without
 * indexes (far cheaper than keeping those up to date row by row) and createIndexes builds them once.
 * An index declared `synchronize: false` is shaped by its migration alone (a collation, say): it stays.
 */
export async function clearForRebuild(em: EntityManager, entities: readonly EntityTarget<ObjectLiteral>[]): Promise<void> {
  for (const entity of entities) {
    const meta = em.connection.getMetadata(entity);
    await em.query(`DELETE FROM "${meta.tableName}"`);
    for (const index of meta.indices) if (index.synchronize) await em.query(`DROP INDEX IF EXISTS "${index.name}"`);
  }
}

/** Builds the secondary indexes of `entities` (a rebuild dropped them). */
export async function createIndexes(em: EntityManager, entities: readonly EntityTarget<ObjectLiteral>[]): Promise<void> {
  for (const entity of entities) {
    const meta = em.connection.getMetadata(entity);
    for (const index of meta.indices) {
      if (!index.synchronize) continue;
      const columns = index.columns.map((c) => `"${c.databaseName}"`).join(', ');
      await em.query(`CREATE ${index.isUnique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${index.name}" ON "${meta.tableName}" (${columns})`);
    }
  }
}
