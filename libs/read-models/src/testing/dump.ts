import type { DataSource } from 'typeorm';
import { READ_MODEL_ENTITIES } from '../data-source';

/** Every read model table's rows in primary-key order: two databases hold the same read models iff equal. */
export async function dumpReadModels(ds: DataSource): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const entity of READ_MODEL_ENTITIES) {
    const meta = ds.getMetadata(entity);
    const order = meta.primaryColumns.map((c) => `"${c.databaseName}"`).join(', ');
    out[meta.tableName] = await ds.query(`SELECT * FROM "${meta.tableName}" ORDER BY ${order}`);
  }
  return out;
}
