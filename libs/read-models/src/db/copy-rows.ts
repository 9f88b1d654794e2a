import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { isPostgres } from './sql';
import { writeRows } from './write-rows';

/** Bytes of COPY text per write: large enough that the stream's per-chunk work does not count. */
const COPY_CHUNK = 1 << 20;

/** A value in COPY's text format: \N for null; backslash, tab, newline and carriage return escaped. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const s = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : s;
}

/**
 * Inserts rows that are not stored yet (no ON CONFLICT: a row already there fails the statement, and
 * the caller's transaction with it), inside the caller's transaction. On PostgreSQL one `COPY … FROM
 * STDIN`: multi-row INSERTs of 400 rows (12,000 parameters to parse and plan) were most of a
 * rebuild's time on the server. On SQLite, writeRows (prepared statements already).
 */
export async function copyRows<R extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<R>, rows: R[]): Promise<void> {
  if (rows.length === 0) return;
  if (!isPostgres(em)) return writeRows(em, entity, rows);
  const meta = em.connection.getMetadata(entity);
  const driver = em.connection.driver;
  const columns = meta.columns;
  await copyInto(
    em,
    meta.tableName,
    columns.map((c) => c.databaseName),
    rows.map((row) => columns.map((c) => driver.preparePersistentValue(row[c.propertyName as keyof R] ?? null, c))),
  );
}

/** As copyRows, for raw values (in `columns` order) into a PostgreSQL table. */
export async function copyInto(em: EntityManager, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  if (!em.queryRunner) throw new Error('copyInto runs inside a transaction');
  const client = (await em.queryRunner.connect()) as PoolClient;
  function* text(): Generator<string> {
    let out = '';
    for (const row of rows) {
      for (let i = 0; i < row.length; i++) out += (i > 0 ? '\t' : '') + copyText(row[i]);
      out += '\n';
      if (out.length >= COPY_CHUNK) {
        yield out;
        out = '';
      }
    }
    if (out) yield out;
  }
  const sql = `COPY "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`;
  await pipeline(Readable.from(text(), { objectMode: false }), client.query(copyFrom(sql)));
}
