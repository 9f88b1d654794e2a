import type { EntityManager } from 'typeorm';

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
