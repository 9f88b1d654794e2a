import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { upsertRows } from '../upsert';

interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
}

const prepared = new WeakMap<object, Map<string, Statement>>();

/**
 * The better-sqlite3 connection of a SQLite EntityManager (one connection: the batch's transaction),
 * its statements prepared once per connection (a rebuild's thousand batches prepared each afresh).
 */
export function sqliteConnection(em: EntityManager): { prepare(sql: string): Statement } | null {
  if (em.connection.options.type !== 'better-sqlite3') return null;
  const db = (em.connection.driver as unknown as { databaseConnection: { prepare(sql: string): Statement } }).databaseConnection;
  let statements = prepared.get(db);
  if (!statements) prepared.set(db, (statements = new Map()));
  const cached = statements;
  return {
    prepare(sql) {
      let statement = cached.get(sql);
      if (!statement) cached.set(sql, (statement = db.prepare(sql)));
      return statement;
    },
  };
}

/**
 * INSERT … ON CONFLICT (primary key) DO UPDATE of the temporal rows. On SQLite one prepared
 * single-row statement run per row: TypeORM prepares every multi-row statement afresh and converts
 * each value through the column metadata, which cost more than the writes. Values are plain:
 * booleans, numbers, strings, null, and arrays (stored as JSON, like simple-json).
 */
export async function writeRows<R extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<R>, rows: R[]): Promise<void> {
  if (rows.length === 0) return;
  const db = sqliteConnection(em);
  if (!db) return upsertRows(em, entity, rows);
  const meta = em.connection.getMetadata(entity);
  const q = (n: string) => `"${n}"`;
  const columns = meta.columns.map((c) => ({ db: c.databaseName, prop: c.propertyName, primary: c.isPrimary }));
  const updates = columns.filter((c) => !c.primary).map((c) => `${q(c.db)} = excluded.${q(c.db)}`);
  const insert = db.prepare(
    `INSERT INTO ${q(meta.tableName)} (${columns.map((c) => q(c.db)).join(',')}) VALUES (${columns.map(() => '?').join(',')}) ` +
      `ON CONFLICT (${columns.filter((c) => c.primary).map((c) => q(c.db)).join(',')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`,
  );
  const values: unknown[] = new Array(columns.length);
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      const v = row[columns[i].prop];
      values[i] = v === undefined || v === null ? null : typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'object' ? JSON.stringify(v) : v;
    }
    insert.run(...values);
  }
}
