import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
// Relative imports only: under ts-jest this file is transpiled on require inside the thread.
import type { AccessEntry, AccessEntryInput } from './access-chain';
import { appendSqlite } from './sqlite-append';

/** The trail's SQLite writer thread: the COMMIT's fsync (synchronous=FULL) never blocks the API's event loop. */
export interface AccessWriterData {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
}
export type AccessWriterReply = { ok: true; entries: AccessEntry[] } | { ok: false; message: string; code?: string };

const data = workerData as AccessWriterData;
const db = new Database(data.file);
db.pragma('busy_timeout = 5000');
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${data.synchronous}`);
const port = parentPort!;

port.on('message', (message: { inputs: Array<AccessEntryInput & { at: string }> } | { close: true }) => {
  if ('close' in message) {
    db.close();
    port.close();
    return;
  }
  let reply: AccessWriterReply;
  try {
    reply = { ok: true, entries: appendSqlite(db, message.inputs) };
  } catch (e) {
    reply = { ok: false, message: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code };
  }
  port.postMessage(reply);
});
