import { DataSource, type EntityManager } from 'typeorm';

export function isPostgres(db: DataSource | EntityManager): boolean {
  return (db instanceof DataSource ? db.options : db.connection.options).type === 'postgres';
}

/** `?` placeholders, numbered for PostgreSQL: one SQL text for both engines. */
export function placeholders(sql: string, postgres: boolean): string {
  if (!postgres) return sql;
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
