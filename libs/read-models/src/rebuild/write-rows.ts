import { QueryFailedError, type EntityManager, type EntityMetadata, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { upsertRows } from '../upsert';

type ColumnMetadata = EntityMetadata['columns'][number];

interface Statement {
  run(...params: unknown[]): unknown;
}
interface SqliteConnection {
  prepare(sql: string): Statement;
}

/** Prepared upserts per connection and table: prepared once, bound per row. */
const prepared = new WeakMap<SqliteConnection, Map<string, { sql: string; statement: Statement; columns: ColumnMetadata[]; plain: boolean[] }>>();

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
  if (em.connection.options.type !== 'better-sqlite3') return upsertRows(em, entity, rows, [], PG_CHUNK);
  // The transaction's own connection: better-sqlite3 has one per DataSource.
  const db = (em.connection.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
  const meta = em.connection.getMetadata(entity);
  let byTable = prepared.get(db);
  if (!byTable) prepared.set(db, (byTable = new Map()));
  let insert = byTable.get(meta.tableName);
  if (!insert) {
    const columns = meta.columns;
    const q = (n: string) => `"${n}"`;
    const updates = columns.filter((c) => !c.isPrimary).map((c) => `${q(c.databaseName)} = excluded.${q(c.databaseName)}`);
    const sql =
      `INSERT INTO ${q(meta.tableName)} (${columns.map((c) => q(c.databaseName)).join(',')}) VALUES (${columns.map(() => '?').join(',')}) ` +
      `ON CONFLICT (${meta.primaryColumns.map((c) => q(c.databaseName)).join(',')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`;
    insert = { sql, statement: db.prepare(sql), columns, plain: columns.map((c) => PLAIN_TYPES.has(c.type) && !c.transformer) };
    byTable.set(meta.tableName, insert);
  }
  const driver = em.connection.driver;
  const { sql, statement, columns, plain } = insert;
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
