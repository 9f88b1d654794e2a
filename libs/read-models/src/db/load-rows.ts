import type { Driver, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import { sqliteConnection } from './sqlite-connection';

type ColumnMetadata = EntityMetadata['columns'][number];

/** Per entity and key: the SELECT of one row by that column, and the columns it reads. */
const shapes = new WeakMap<EntityMetadata, Map<string, { sql: string; columns: ColumnMetadata[] }>>();

function shapeOf(meta: EntityMetadata, key: string): { sql: string; columns: ColumnMetadata[] } {
  let byKey = shapes.get(meta);
  if (!byKey) shapes.set(meta, (byKey = new Map()));
  let shape = byKey.get(key);
  if (!shape) {
    const keyColumn = meta.columns.find((c) => c.propertyName === key);
    if (!keyColumn) throw new Error(`${meta.tableName} has no column ${key}`);
    const columns = meta.columns;
    const sql = `SELECT ${columns.map((c) => `"${c.databaseName}"`).join(', ')} FROM "${meta.tableName}" WHERE "${keyColumn.databaseName}" = ?`;
    byKey.set(key, (shape = { sql, columns }));
  }
  return shape;
}

/** A raw row as TypeORM hydrates it: PostgreSQL's keyed by column name, SQLite's raw array by position. */
function hydrate<R>(raw: Record<string, unknown> | unknown[], columns: ColumnMetadata[], driver: Driver): R {
  const row: ObjectLiteral = {};
  const byPosition = Array.isArray(raw);
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i];
    row[c.propertyName] = driver.prepareHydratedValue(byPosition ? raw[i] : raw[c.databaseName], c);
  }
  return row as R;
}

/**
 * The stored rows whose `key` column is one of `ids`, as TypeORM hydrates them (each column through the
 * driver: booleans, JSON, transformers), as plain objects. On SQLite a prepared seek per id on the batch's
 * connection: a live batch loads a handful of rows, and TypeORM's query builder cost more than the seeks
 * (about a tenth of the projector's CPU per event); on PostgreSQL one `= ANY($1)` query per chunk.
 */
export async function loadRows<R extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<R>, key: string, ids: string[], chunk = 500): Promise<R[]> {
  if (ids.length === 0) return [];
  const db = sqliteConnection(em);
  const meta = em.connection.getMetadata(entity);
  const { sql, columns } = shapeOf(meta, key);
  const driver = em.connection.driver;
  if (!db) {
    // One array parameter, the rows hydrated as TypeORM's getMany does: its query builder cost more CPU than the query.
    const any = sql.replace(/= \?$/, '= ANY($1)');
    const out: R[] = [];
    for (let i = 0; i < ids.length; i += chunk) {
      const raws: Record<string, unknown>[] = await em.query(any, [ids.slice(i, i + chunk)]);
      for (const raw of raws) out.push(hydrate(raw, columns, driver));
    }
    return out;
  }
  const select = db.prepare(sql) as unknown as { raw(on: boolean): { get(...p: unknown[]): unknown[] | undefined } };
  const out: R[] = [];
  for (const id of ids) {
    const raw = select.raw(true).get(id);
    if (raw) out.push(hydrate(raw, columns, driver));
  }
  return out;
}
