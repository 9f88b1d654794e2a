import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { isPostgres } from './sql';
import { writeRows } from './write-rows';

/** Bytes of COPY text per write: large enough that the stream's per-chunk work does not count. */
const COPY_CHUNK = 1 << 20;

/** A value in COPY's text format: \N for null; backslash, tab, newline and carriage return escaped. */
function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const s = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : s;
}

type ColumnMetadata = EntityMetadata['columns'][number];

/** Column types TypeORM's PostgreSQL driver hands to the server as they are (after a transformer). */
const AS_IS = new Set<unknown>(['varchar', 'text', 'integer', 'int', 'bigint', 'boolean']);

/** Per entity: each column's value as the driver would prepare it, without its chain of type tests per value. */
const preparers = new WeakMap<EntityMetadata, ((row: ObjectLiteral) => unknown)[]>();

function preparersOf(em: EntityManager, meta: EntityMetadata): ((row: ObjectLiteral) => unknown)[] {
  let out = preparers.get(meta);
  if (out) return out;
  const driver = em.connection.driver;
  out = meta.columns.map((c: ColumnMetadata) => {
    const p = c.propertyName;
    const t = c.transformer;
    if (!AS_IS.has(c.type) || Array.isArray(t)) return (row: ObjectLiteral) => driver.preparePersistentValue(row[p] ?? null, c);
    if (t) return (row: ObjectLiteral) => t.to(row[p] ?? null) ?? null;
    return (row: ObjectLiteral) => row[p];
  });
  preparers.set(meta, out);
  return out;
}

/**
 * Inserts rows that are not stored yet (no ON CONFLICT: a row already there fails the statement, and
 * the caller's transaction with it), inside the caller's transaction. On PostgreSQL one `COPY … FROM
 * STDIN`: multi-row INSERTs of 400 rows (12,000 parameters to parse and plan) were most of a
 * rebuild's time on the server. Each value as the driver prepares it, straight into COPY's text: the
 * driver's preparePersistentValue per value and an array per row were a sixth of a rebuild's temporal
 * pass in this process (20,000 events). On SQLite, writeRows (prepared statements already).
 */
export async function copyRows<R extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<R>, rows: R[]): Promise<void> {
  if (rows.length === 0) return;
  if (!isPostgres(em)) return writeRows(em, entity, rows);
  const meta = em.connection.getMetadata(entity);
  const prepare = preparersOf(em, meta);
  await copyText(
    em,
    meta.tableName,
    meta.columns.map((c) => c.databaseName),
    lines(rows, prepare.length, (row, i) => prepare[i](row)),
  );
}

/** As copyRows, for raw values (in `columns` order) into a PostgreSQL table. */
export async function copyInto(em: EntityManager, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  await copyText(
    em,
    table,
    columns,
    lines(rows, columns.length, (row, i) => row[i]),
  );
}

/** The rows in COPY's text format, by chunks of about COPY_CHUNK characters. */
function* lines<T>(rows: T[], width: number, cell: (row: T, i: number) => unknown): Generator<string> {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < width; i++) out += (i > 0 ? '\t' : '') + copyValue(cell(row, i));
    out += '\n';
    if (out.length >= COPY_CHUNK) {
      yield out;
      out = '';
    }
  }
  if (out) yield out;
}

/** One `COPY … FROM STDIN` on the caller's transaction's connection, of the text `lines` yields. */
async function copyText(em: EntityManager, table: string, columns: string[], text: Generator<string>): Promise<void> {
  if (!em.queryRunner) throw new Error('copyRows runs inside a transaction');
  const client = (await em.queryRunner.connect()) as PoolClient;
  const sql = `COPY "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`;
  await pipeline(Readable.from(text, { objectMode: false }), client.query(copyFrom(sql)));
}
