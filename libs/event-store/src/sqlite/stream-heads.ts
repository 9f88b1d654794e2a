import type Database from 'better-sqlite3';
import type { StreamHeadAt } from '../port';

// The (stream, revision) index also holds the rowid, which is the position: the grouping reads the
// index alone, never the rows with their payloads; only each head's own row is looked up for its hash.
const HEADS_AT = `
SELECT h.stream, h.revision, e.position, e.stream_hash
FROM (SELECT stream, max(revision) AS revision, min(position) AS first FROM events WHERE position <= ? GROUP BY stream) h
JOIN events e ON e.stream = h.stream AND e.revision = h.revision
ORDER BY h.first`;

const statements = new WeakMap<Database.Database, Database.Statement>();

/** EventStore.streamHeadsAt on the SQLite store's connection. */
export function sqliteStreamHeadsAt(db: Database.Database, position: bigint): StreamHeadAt[] {
  let stmt = statements.get(db);
  if (!stmt) statements.set(db, (stmt = db.prepare(HEADS_AT).raw()));
  const rows = stmt.all(position) as [string, number, number, Buffer | null][];
  return rows.map(([stream, revision, at, hash]) => ({ stream, revision, position: BigInt(at), streamHash: hash ? hash.toString('hex') : '' }));
}
