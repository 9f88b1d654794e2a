import { QueryFailedError, type EntityManager, type EntityMetadata, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { upsertRows } from '../upsert';
import { sqliteConnection } from '../temporal/write';

type ColumnMetadata = EntityMetadata['columns'][number];

/** Per entity: the upsert's SQL (prepared once per connection by sqliteConnection) and how each column binds. */
const shapes = new WeakMap<EntityMetadata, { sql: string; columns: ColumnMetadata[]; plain: boolean[] }>();

/** Column types SQLite stores as the JavaScript value is: no conversion to call per row. */
const PLAIN_TYPES = new Set<unknown>(['varchar', 'text', 'integer', 'int', 'bigint']);

/** Rows per multi-row statement on PostgreSQL: well under its 65,535 bound parameters. */
const PG_CHUNK = 400;

/**
 * Upserts rows (a row's new state replaces the stored one) inside the caller's transaction. On
 * SQLite a prepared statement bound once per row: no SQL text to build and parse per batch, which
 * was most of the cost of a rebuild's writes; on PostgreSQL, multi-row statements (a round trip each).
 */
export async function writeRows<R extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<R>, rows: R[]): Promise<void> {
  if (rows.length === 0) return;
  const db = sqliteConnection(em);
  if (!db) return upsertRows(em, entity, rows, [], PG_CHUNK);
  const meta = em.connection.getMetadata(entity);
  let shape = shapes.get(meta);
  if (!shape) {
    const columns = meta.columns;
    const q = (n: string) => `"${n}"`;
    const updates = columns.filter((c) => !c.isPrimary).map((c) => `${q(c.databaseName)} = excluded.${q(c.databaseName)}`);
    const sql =
      `INSERT INTO ${q(meta.tableName)} (${columns.map((c) => q(c.databaseName)).join(',')}) VALUES (${columns.map(() => '?').join(',')}) ` +
      `ON CONFLICT (${meta.primaryColumns.map((c) => q(c.databaseName)).join(',')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`;
    shape = { sql, columns, plain: columns.map((c) => PLAIN_TYPES.has(c.type) && !c.transformer) };
    shapes.set(meta, shape);
  }
  const statement = db.prepare(shape.sql);
  const driver = em.connection.driver;
  const { sql, columns, plain } = shape;
  const values: unknown[] = new Array(columns.length);
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      const raw = row[columns[i].propertyName as keyof R] ?? null;
      values[i] = plain[i] || raw === null ? raw : (driver.preparePersistentValue(raw, columns[i]) ?? null);
    }
    try {
      statement.run(...values);
    } catch (e) {
      // As TypeORM reports a failed query (the driver's own error class may come from another realm).
      throw new QueryFailedError(sql, values, e as Error);
    }
  }
}
