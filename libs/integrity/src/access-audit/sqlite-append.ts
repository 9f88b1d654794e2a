import type Database from 'better-sqlite3';
// Relative imports only: this file also runs inside the trail's SQLite writer thread.
import { chainEntries, type AccessAuditHead, type AccessEntry, type AccessEntryInput } from './access-chain';

export const ACCESS_COLUMNS = 'seq, at, actor, role, name, address, action, target, outcome, status, detail, hash';

interface Statements {
  head: Database.Statement;
  insert: Database.Statement;
  moveHead: Database.Statement;
  append: Database.Transaction<(inputs: ReadonlyArray<AccessEntryInput & { at: string }>) => AccessEntry[]>;
}

/** Prepared once per connection: an entry is one or two answers' worth of work, and three prepares cost more than its insert. */
const prepared = new WeakMap<Database.Database, Statements>();
function statements(db: Database.Database): Statements {
  let s = prepared.get(db);
  if (!s) {
    const head = db.prepare('SELECT seq, hash, pruned_through, anchor FROM access_audit_head WHERE id = 1');
    const insert = db.prepare(`INSERT INTO access_audit (${ACCESS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const moveHead = db.prepare('UPDATE access_audit_head SET seq = ?, hash = ? WHERE id = 1');
    const append = db.transaction((inputs: ReadonlyArray<AccessEntryInput & { at: string }>) => {
      const entries = chainEntries(readSqliteHead(db), inputs);
      insertSqlite(db, entries);
      return entries;
    });
    prepared.set(db, (s = { head, insert, moveHead, append }));
  }
  return s;
}

export function readSqliteHead(db: Database.Database): AccessAuditHead {
  const r = statements(db).head.get() as {
    seq: number;
    hash: string;
    pruned_through: number;
    anchor: string;
  };
  return { seq: Number(r.seq), hash: r.hash, prunedThrough: Number(r.pruned_through), anchor: r.anchor };
}

export function insertSqlite(db: Database.Database, entries: AccessEntry[]): void {
  const { insert, moveHead } = statements(db);
  for (const e of entries) insert.run(e.seq, e.at, e.actor, e.role, e.name, e.address, e.action, e.target, e.outcome, e.status, e.detail, e.hash);
  const last = entries[entries.length - 1];
  moveHead.run(last.seq, last.hash);
}

/** One batch, one transaction; IMMEDIATE takes the write lock before the head is read, so no two writers chain from one head. */
export function appendSqlite(db: Database.Database, inputs: ReadonlyArray<AccessEntryInput & { at: string }>): AccessEntry[] {
  return statements(db).append.immediate(inputs);
}
