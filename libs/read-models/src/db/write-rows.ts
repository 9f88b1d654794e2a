import { QueryFailedError, type EntityManager, type EntityMetadata, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { upsertRows } from './upsert';
import { sqliteConnection } from './sqlite-connection';
import type { WriteBatch } from './write-batch';

type ColumnMetadata = EntityMetadata['columns'][number];

interface Shape {
  sql: string;
  columns: ColumnMetadata[];
  plain: boolean[];
}
/** Per entity: the upsert's SQL (prepared once per connection by sqliteConnection) and how each column binds. */
const shapes = new WeakMap<EntityMetadata, Shape>();

/** Column types SQLite stores as the JavaScript value is: no conversion to call per row. */
const PLAIN_TYPES = new Set<unknown>(['varchar', 'text', 'integer', 'int', 'bigint']);

/** Rows per multi-row statement on PostgreSQL: well under its 65,535 bound parameters. */
const PG_CHUNK = 400;

function shapeOf(meta: EntityMetadata): Shape {
  let shape = shapes.get(meta);
  if (!shape) {
    const columns = meta.columns;
    const updates = columns.filter((c) => !c.isPrimary).map((c) => `${q(c.databaseName)} = excluded.${q(c.databaseName)}`);
    const sql =
      `INSERT INTO ${q(meta.tableName)} (${columns.map((c) => q(c.databaseName)).join(',')}) VALUES (${columns.map(() => '?').join(',')}) ` +
      `ON CONFLICT (${meta.primaryColumns.map((c) => q(c.databaseName)).join(',')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`;
    shape = { sql, columns, plain: columns.map((c) => PLAIN_TYPES.has(c.type) && !c.transformer) };
    shapes.set(meta, shape);
  }
  return shape;
}

const q = (n: string) => `"${n}"`;

/** The row's values as SQLite binds them, into `values`. */
function bind<R extends ObjectLiteral>(em: EntityManager, shape: Shape, row: R, values: unknown[]): unknown[] {
  const { columns, plain } = shape;
  for (let i = 0; i < columns.length; i++) {
    const raw = row[columns[i].propertyName as keyof R] ?? null;
    values[i] = plain[i] || raw === null ? raw : (em.connection.driver.preparePersistentValue(raw, columns[i]) ?? null);
  }
  return values;
}

function run(statement: { run(...params: unknown[]): unknown }, sql: string, values: unknown[]): void {
  try {
    statement.run(...values);
  } catch (e) {
    // As TypeORM reports a failed query (the driver's own error class may come from another realm).
    throw new QueryFailedError(sql, values, e as Error);
  }
}

/**
 * Upserts rows (a row's new state replaces the stored one) inside the caller's transaction. On
 * SQLite a prepared statement bound once per row: no SQL text to build and parse per batch, which
 * was most of the cost of a rebuild's writes; on PostgreSQL, multi-row statements (a round trip each).
 */
export async function writeRows<R extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<R>, rows: R[], writes?: WriteBatch): Promise<void> {
  if (rows.length === 0) return;
  const db = sqliteConnection(em);
  if (!db) return upsertRows(em, entity, rows, [], PG_CHUNK, writes);
  const shape = shapeOf(em.connection.getMetadata(entity));
  const statement = db.prepare(shape.sql);
  const values: unknown[] = new Array(shape.columns.length);
  for (const row of rows) run(statement, shape.sql, bind(em, shape, row, values));
}

/**
 * As writeRows, for rows whose stored state the caller read (`before`; null: not stored). On SQLite a
 * stored row gets an UPDATE of the columns that changed only: an upsert sets every column, and SQLite
 * then rewrites every index over them (an item has nine), about twice the work for the few columns
 * an event changes.
 */
export async function writeChangedRows<R extends ObjectLiteral>(
  em: EntityManager,
  entity: EntityTarget<R>,
  changes: { before: R | null; after: R }[],
  writes?: WriteBatch,
): Promise<void> {
  if (changes.length === 0) return;
  const db = sqliteConnection(em);
  if (!db)
    return upsertRows(
      em,
      entity,
      changes.map((c) => c.after),
      [],
      PG_CHUNK,
      writes,
    );
  const meta = em.connection.getMetadata(entity);
  const shape = shapeOf(meta);
  const keys = meta.primaryColumns.map((c) => shape.columns.indexOf(c));
  const isKey = shape.columns.map((_, i) => keys.includes(i));
  const upsert = db.prepare(shape.sql);
  const old: unknown[] = new Array(shape.columns.length);
  const now: unknown[] = new Array(shape.columns.length);
  for (const { before, after } of changes) {
    bind(em, shape, after, now);
    if (!before) {
      run(upsert, shape.sql, now);
      continue;
    }
    bind(em, shape, before, old);
    const changed: number[] = [];
    for (let i = 0; i < now.length; i++) if (!isKey[i] && !sameValue(old[i], now[i])) changed.push(i);
    if (changed.length === 0) continue;
    const sql =
      `UPDATE ${q(meta.tableName)} SET ${changed.map((i) => `${q(shape.columns[i].databaseName)} = ?`).join(', ')} ` +
      `WHERE ${keys.map((i) => `${q(shape.columns[i].databaseName)} = ?`).join(' AND ')}`;
    run(db.prepare(sql), sql, [...changed.map((i) => now[i]), ...keys.map((i) => now[i])]);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
}
