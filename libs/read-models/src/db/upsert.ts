import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { isPostgres } from './sql';
import type { WriteBatch } from './write-batch';

/** Rows per multi-row statement: well under SQLite's 32,766 bound variables. */
const CHUNK = 300;

/**
 * INSERT … ON CONFLICT, many rows per statement, on SQLite and PostgreSQL (the projector's rows and the
 * temporal read models'). `additive` columns add to the stored value (counters, epoch sums); the others
 * replace it (a row's new state, a version closed by a later position).
 */
export async function upsertRows<R extends ObjectLiteral>(
  em: EntityManager,
  entity: EntityTarget<R>,
  rows: R[],
  additive: string[] = [],
  chunkRows = CHUNK,
  /** Sends the statements with the batch's other writes (WriteBatch) instead of one at a time. */
  writes?: WriteBatch,
): Promise<void> {
  if (rows.length === 0) return;
  const meta = em.connection.getMetadata(entity);
  const driver = em.connection.driver;
  const q = (n: string) => `"${n}"`;
  const cols = meta.columns;
  const keys = meta.primaryColumns.map((c) => q(c.databaseName));
  const updates = cols
    .filter((c) => !c.isPrimary)
    .map((c) =>
      additive.includes(c.propertyName)
        ? `${q(c.databaseName)} = ${q(meta.tableName)}.${q(c.databaseName)} + excluded.${q(c.databaseName)}`
        : `${q(c.databaseName)} = excluded.${q(c.databaseName)}`,
    );
  const pg = isPostgres(em);
  for (let i = 0; i < rows.length; i += chunkRows) {
    const chunk = rows.slice(i, i + chunkRows);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const marks = cols.map((c) => {
        const raw = row[c.propertyName as keyof R] ?? null;
        params.push(driver.preparePersistentValue(raw, c));
        return pg ? `$${params.length}` : '?';
      });
      return `(${marks.join(',')})`;
    });
    const sql =
      `INSERT INTO ${q(meta.tableName)} (${cols.map((c) => q(c.databaseName)).join(',')}) VALUES ${tuples.join(',')} ` +
      `ON CONFLICT (${keys.join(',')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`;
    if (writes) await writes.write(sql, params);
    else await em.query(sql, params);
  }
}
