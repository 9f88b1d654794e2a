import Database from 'better-sqlite3';
import type { StreamHeadAt } from '../port';

// The (stream, revision) index also holds the rowid, which is the position: the grouping reads the
// index alone, never the rows with their payloads; only each head's own row is looked up for its hash.
const HEADS_AT = `
SELECT h.stream, h.revision, e.position, e.stream_hash
FROM (SELECT stream, max(revision) AS revision, min(position) AS first FROM events WHERE position <= ? GROUP BY stream) h
JOIN events e ON e.stream = h.stream AND e.revision = h.revision
ORDER BY h.first`;

/**
 * EventStore.streamHeadsAt for the SQLite store. On a connection of its own with a small page cache,
 * closed after: the rows are stepped one by one while the caller awaits between them, and a statement
 * left stepping on the store's connection would fail its inline writer's appends ("busy executing a
 * query"); the pass over the whole index also leaves the store's cache alone. Stepped, not one array,
 * so that a reader folding the heads holds one at a time (docs/benchmarks.md).
 */
export async function* sqliteStreamHeadsAt(db: Database.Database, position: bigint): AsyncGenerator<StreamHeadAt> {
  const own = db.memory ? null : new Database(db.name, { readonly: true, fileMustExist: true });
  try {
    own?.pragma('cache_size = -2048');
    const rows = (own ?? db).prepare(HEADS_AT).raw().iterate(position) as IterableIterator<[string, number, number, Buffer | null]>;
    for (const [stream, revision, at, hash] of rows) yield { stream, revision, position: BigInt(at), streamHash: hash ? hash.toString('hex') : '' };
  } finally {
    own?.close();
  }
}
