import * as fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { inTransaction, resilientPool, startThread } from '@ledger/event-store';
import { ACCESS_ZERO_HASH, chainEntries, type AccessAuditHead, type AccessAuditReader, type AccessEntry, type AccessEntryInput } from './access-chain';
import type { AccessWriterData, AccessWriterReply } from './access-writer-thread';
import { ACCESS_COLUMNS, appendSqlite, insertSqlite, readSqliteHead } from './sqlite-append';

export interface AccessQuery {
  actor?: string;
  action?: string;
  /** ISO instants: from inclusive, to exclusive. */
  from?: string;
  to?: string;
}

export interface AccessAuditStore extends AccessAuditReader {
  /** Chains and writes the batch in one transaction under the store's write lock; durable when it resolves. */
  append(inputs: ReadonlyArray<AccessEntryInput & { at: string }>): Promise<AccessEntry[]>;
  query(filter: AccessQuery, offset: number, limit: number): Promise<{ entries: AccessEntry[]; total: number }>;
  /**
   * Deletes the oldest entries recorded before `cutoff` (stopping at the first newer one, so the kept
   * entries stay contiguous), keeps the last deleted hash as the anchor and records the prune as an
   * entry. Nothing to prune: nothing written.
   */
  prune(cutoff: string, at: string, retentionDays: number): Promise<{ pruned: number; through: number }>;
  close(): Promise<void>;
}

const COLUMNS = ACCESS_COLUMNS;

function pruneRecord(through: number, anchor: string, count: number, retentionDays: number, at: string): AccessEntryInput & { at: string } {
  return {
    at,
    actor: 'system',
    role: 'system',
    address: null,
    action: 'audit-pruned',
    target: 'access-audit',
    outcome: 'ok',
    status: null,
    detail: { through, anchor, count, retentionDays },
  };
}

function where(filter: AccessQuery, param: (i: number) => string): { sql: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  const add = (cond: (p: string) => string, v: unknown) => {
    values.push(v);
    parts.push(cond(param(values.length)));
  };
  if (filter.actor !== undefined) add((p) => `actor = ${p}`, filter.actor);
  if (filter.action !== undefined) add((p) => `action = ${p}`, filter.action);
  if (filter.from !== undefined) add((p) => `at >= ${p}`, filter.from);
  if (filter.to !== undefined) add((p) => `at < ${p}`, filter.to);
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', values };
}

/*
 * Append-only by trigger: no UPDATE, and a DELETE only of entries the head says were pruned (the
 * prune moves the head first). Someone with the database can drop the triggers; the chain is what
 * shows it then.
 */
const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS access_audit (
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT, role TEXT, name TEXT, address TEXT,
  action TEXT NOT NULL, target TEXT NOT NULL, outcome TEXT NOT NULL, status INTEGER, detail TEXT, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS access_audit_actor ON access_audit (actor, seq);
CREATE INDEX IF NOT EXISTS access_audit_action ON access_audit (action, seq);
CREATE INDEX IF NOT EXISTS access_audit_at ON access_audit (at);
CREATE TABLE IF NOT EXISTS access_audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL, pruned_through INTEGER NOT NULL, anchor TEXT NOT NULL);
INSERT OR IGNORE INTO access_audit_head (id, seq, hash, pruned_through, anchor) VALUES (1, 0, '${ACCESS_ZERO_HASH}', 0, '${ACCESS_ZERO_HASH}');
CREATE TRIGGER IF NOT EXISTS access_audit_no_update BEFORE UPDATE ON access_audit
  BEGIN SELECT RAISE(ABORT, 'access audit entries are append-only'); END;
CREATE TRIGGER IF NOT EXISTS access_audit_no_delete BEFORE DELETE ON access_audit
  WHEN OLD.seq > (SELECT pruned_through FROM access_audit_head WHERE id = 1)
  BEGIN SELECT RAISE(ABORT, 'access audit entries are deleted only by retention pruning'); END;
`;

interface HeadRow {
  seq: number;
  hash: string;
  pruned_through: number;
  anchor: string;
}
const toHead = (r: HeadRow): AccessAuditHead => ({ seq: Number(r.seq), hash: r.hash, prunedThrough: Number(r.pruned_through), anchor: r.anchor });
const toEntry = (r: Record<string, unknown>): AccessEntry => ({
  seq: Number(r.seq),
  at: r.at as string,
  actor: (r.actor as string | null) ?? null,
  role: (r.role as string | null) ?? null,
  name: (r.name as string | null) ?? null,
  address: (r.address as string | null) ?? null,
  action: r.action as string,
  target: r.target as string,
  outcome: r.outcome as string,
  status: r.status === null || r.status === undefined ? null : Number(r.status),
  detail: (r.detail as string | null) ?? null,
  hash: r.hash as string,
});

/**
 * `<data>/access-audit.sqlite`: beside events.sqlite, in the folder a county backs up with the ledger,
 * but a file of its own, so its writes never wait on (or hold up) the event store's writer lock.
 * Appends go through a writer thread of their own connection (as the event store's do): better-sqlite3
 * commits on the calling thread, and the fsync of a FULL commit (milliseconds: docs/benchmarks.md) would
 * otherwise stop every request of the API while it lasts. Reads and the daily prune use this connection.
 */
export class SqliteAccessAuditStore implements AccessAuditStore {
  private constructor(
    private readonly db: Database.Database,
    private readonly writer: ThreadWriter | null,
  ) {}

  static open(file: string, options: { synchronous?: 'FULL' | 'NORMAL'; readOnly?: boolean; inline?: boolean } = {}): SqliteAccessAuditStore {
    if (options.readOnly) {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      return new SqliteAccessAuditStore(db, null);
    }
    const synchronous = options.synchronous ?? 'FULL';
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma('busy_timeout = 5000');
    db.exec(SQLITE_SCHEMA);
    return new SqliteAccessAuditStore(db, options.inline ? null : new ThreadWriter({ file, synchronous }));
  }

  static exists(file: string): boolean {
    return fs.existsSync(file) && fs.statSync(file).size > 0;
  }

  async append(inputs: ReadonlyArray<AccessEntryInput & { at: string }>): Promise<AccessEntry[]> {
    if (!inputs.length) return [];
    return this.writer ? this.writer.append(inputs) : appendSqlite(this.db, inputs);
  }

  async head(): Promise<AccessAuditHead> {
    return readSqliteHead(this.db);
  }

  async entriesAfter(seq: number, limit: number): Promise<AccessEntry[]> {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM access_audit WHERE seq > ? ORDER BY seq LIMIT ?`).all(seq, limit) as Record<string, unknown>[]).map(
      toEntry,
    );
  }

  async query(filter: AccessQuery, offset: number, limit: number): Promise<{ entries: AccessEntry[]; total: number }> {
    const w = where(filter, () => '?');
    const total = Number((this.db.prepare(`SELECT COUNT(*) AS n FROM access_audit ${w.sql}`).get(...w.values) as { n: number }).n);
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM access_audit ${w.sql} ORDER BY seq LIMIT ? OFFSET ?`).all(...w.values, limit, offset) as Record<
      string,
      unknown
    >[];
    return { entries: rows.map(toEntry), total };
  }

  async prune(cutoff: string, at: string, retentionDays: number): Promise<{ pruned: number; through: number }> {
    return this.db
      .transaction(() => {
        const head = readSqliteHead(this.db);
        const firstKept = (this.db.prepare('SELECT MIN(seq) AS s FROM access_audit WHERE at >= ?').get(cutoff) as { s: number | null }).s;
        const through = firstKept === null ? head.seq : Number(firstKept) - 1;
        if (through <= head.prunedThrough) return { pruned: 0, through: head.prunedThrough };
        const anchor = (this.db.prepare('SELECT hash FROM access_audit WHERE seq = ?').get(through) as { hash: string }).hash;
        this.db.prepare('UPDATE access_audit_head SET pruned_through = ?, anchor = ? WHERE id = 1').run(through, anchor);
        const pruned = this.db.prepare('DELETE FROM access_audit WHERE seq <= ?').run(through).changes;
        insertSqlite(this.db, chainEntries(head, [pruneRecord(through, anchor, pruned, retentionDays, at)]));
        return { pruned, through };
      })
      .immediate();
  }

  async close(): Promise<void> {
    await this.writer?.close();
    if (this.db.open) this.db.close();
  }
}

/** Batches to the writer thread, answered in the order sent; referenced only while one is in flight. */
class ThreadWriter {
  private readonly worker: Worker;
  private readonly waiting: { resolve(entries: AccessEntry[]): void; reject(e: unknown): void }[] = [];
  private failure: Error | null = null;

  constructor(data: AccessWriterData) {
    this.worker = startThread(__dirname, 'access-writer-thread', data);
    this.worker.unref();
    this.worker.on('message', (m: AccessWriterReply) => {
      const w = this.waiting.shift();
      if (!this.waiting.length) this.worker.unref();
      if (!w) return;
      if (m.ok) w.resolve(m.entries);
      else w.reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the access audit's writer thread exited (${code})`)));
  }

  append(inputs: ReadonlyArray<AccessEntryInput & { at: string }>): Promise<AccessEntry[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ inputs });
    });
  }

  async close(): Promise<void> {
    if (this.failure) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ close: true });
    this.worker.ref();
    await exited;
  }
}

/*
 * On PostgreSQL the head row is the write lock: SELECT … FOR UPDATE in the batch's transaction, so
 * seq is assigned in commit order and without gaps whichever API process writes (no sequence, whose
 * numbers are taken before commit and lost on rollback).
 */
const PG_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS access_audit (
     seq bigint PRIMARY KEY, at text NOT NULL, actor text, role text, name text, address text,
     action text NOT NULL, target text NOT NULL, outcome text NOT NULL, status integer, detail text, hash text NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS access_audit_actor ON access_audit (actor, seq)',
  'CREATE INDEX IF NOT EXISTS access_audit_action ON access_audit (action, seq)',
  'CREATE INDEX IF NOT EXISTS access_audit_at ON access_audit (at)',
  `CREATE TABLE IF NOT EXISTS access_audit_head (
     id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL, pruned_through bigint NOT NULL, anchor text NOT NULL)`,
  `INSERT INTO access_audit_head (id, seq, hash, pruned_through, anchor) VALUES (1, 0, '${ACCESS_ZERO_HASH}', 0, '${ACCESS_ZERO_HASH}') ON CONFLICT (id) DO NOTHING`,
  `CREATE OR REPLACE FUNCTION access_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION 'access audit entries are append-only'; END IF;
     IF OLD.seq > (SELECT pruned_through FROM access_audit_head WHERE id = 1) THEN
       RAISE EXCEPTION 'access audit entries are deleted only by retention pruning';
     END IF;
     RETURN OLD;
   END $$`,
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'access_audit_append_only') THEN
       CREATE TRIGGER access_audit_append_only BEFORE UPDATE OR DELETE ON access_audit FOR EACH ROW EXECUTE FUNCTION access_audit_append_only();
     END IF;
   END $$`,
];

export class PostgresAccessAuditStore implements AccessAuditStore {
  private constructor(private readonly pool: Pool) {}

  static async open(url: string): Promise<PostgresAccessAuditStore> {
    const pool = resilientPool(url, 4);
    try {
      // Two processes starting together: one creates, the other waits on the lock and finds it made.
      await inTransaction(pool, async (client) => {
        await client.query("SELECT pg_advisory_xact_lock(hashtext('access_audit_schema'))");
        for (const sql of PG_SCHEMA) await client.query(sql);
      });
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    return new PostgresAccessAuditStore(pool);
  }

  /** The trail as it is, for reading (ledger verify): no schema made; null when the database has none. */
  static async openExisting(url: string): Promise<PostgresAccessAuditStore | null> {
    const pool = resilientPool(url, 2);
    try {
      const found = (await pool.query("SELECT to_regclass('access_audit') IS NOT NULL AND to_regclass('access_audit_head') IS NOT NULL AS ok")).rows[0]
        .ok as boolean;
      if (found) return new PostgresAccessAuditStore(pool);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    await pool.end();
    return null;
  }

  private tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  private async lockedHead(c: PoolClient): Promise<AccessAuditHead> {
    return toHead((await c.query('SELECT seq, hash, pruned_through, anchor FROM access_audit_head WHERE id = 1 FOR UPDATE')).rows[0] as HeadRow);
  }

  private async insert(c: PoolClient, entries: AccessEntry[]): Promise<void> {
    const cols = ['seq', 'at', 'actor', 'role', 'name', 'address', 'action', 'target', 'outcome', 'status', 'detail', 'hash'] as const;
    const types = ['bigint[]', 'text[]', 'text[]', 'text[]', 'text[]', 'text[]', 'text[]', 'text[]', 'text[]', 'integer[]', 'text[]', 'text[]'];
    await c.query(
      `INSERT INTO access_audit (${COLUMNS}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}`).join(', ')})`,
      cols.map((k) => entries.map((e) => (k === 'seq' ? String(e.seq) : e[k]))),
    );
    const last = entries[entries.length - 1];
    await c.query('UPDATE access_audit_head SET seq = $1, hash = $2 WHERE id = 1', [String(last.seq), last.hash]);
  }

  async append(inputs: ReadonlyArray<AccessEntryInput & { at: string }>): Promise<AccessEntry[]> {
    if (!inputs.length) return [];
    return this.tx(async (c) => {
      const entries = chainEntries(await this.lockedHead(c), inputs);
      await this.insert(c, entries);
      return entries;
    });
  }

  async head(): Promise<AccessAuditHead> {
    return toHead((await this.pool.query('SELECT seq, hash, pruned_through, anchor FROM access_audit_head WHERE id = 1')).rows[0] as HeadRow);
  }

  async entriesAfter(seq: number, limit: number): Promise<AccessEntry[]> {
    return (await this.pool.query(`SELECT ${COLUMNS} FROM access_audit WHERE seq > $1 ORDER BY seq LIMIT $2`, [String(seq), limit])).rows.map(toEntry);
  }

  async query(filter: AccessQuery, offset: number, limit: number): Promise<{ entries: AccessEntry[]; total: number }> {
    const w = where(filter, (i) => `$${i}`);
    const total = Number((await this.pool.query(`SELECT COUNT(*) AS n FROM access_audit ${w.sql}`, w.values)).rows[0].n);
    const n = w.values.length;
    const rows = (
      await this.pool.query(`SELECT ${COLUMNS} FROM access_audit ${w.sql} ORDER BY seq LIMIT $${n + 1} OFFSET $${n + 2}`, [...w.values, limit, offset])
    ).rows;
    return { entries: rows.map(toEntry), total };
  }

  async prune(cutoff: string, at: string, retentionDays: number): Promise<{ pruned: number; through: number }> {
    return this.tx(async (c) => {
      const head = await this.lockedHead(c);
      const firstKept = (await c.query('SELECT MIN(seq) AS s FROM access_audit WHERE at >= $1', [cutoff])).rows[0].s as string | null;
      const through = firstKept === null ? head.seq : Number(firstKept) - 1;
      if (through <= head.prunedThrough) return { pruned: 0, through: head.prunedThrough };
      const anchor = (await c.query('SELECT hash FROM access_audit WHERE seq = $1', [String(through)])).rows[0].hash as string;
      await c.query('UPDATE access_audit_head SET pruned_through = $1, anchor = $2 WHERE id = 1', [String(through), anchor]);
      const pruned = (await c.query('DELETE FROM access_audit WHERE seq <= $1', [String(through)])).rowCount ?? 0;
      await this.insert(c, chainEntries(head, [pruneRecord(through, anchor, pruned, retentionDays, at)]));
      return { pruned, through };
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
