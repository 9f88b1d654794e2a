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
 * closed after: the query passes once over the whole index (~60 MB at 1,000,000 events), which would
 * otherwise stay in the store connection's 64 MB cache for the life of the process. Rows are stepped
 * one by one (measured at 102,050 heads: peak RSS of a reader folding them 235 MB as one array, 161 MB stepped).
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
