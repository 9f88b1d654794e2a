import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
// Relative imports only: under ts-jest this file is transpiled on require inside the thread.
import { WriteLane, type LaneAppend } from './write-lane';

/** The store's writer thread: its own connection, one group of appends per message, answered in order. */
export interface WriterThreadData {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
}

const data = workerData as WriterThreadData;
const db = new Database(data.file);
db.pragma(`busy_timeout = ${data.busyTimeoutMs}`);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${data.synchronous}`);
// 16 MB: the writer touches index pages and the table's tail; the OS page cache holds the rest.
db.pragma('cache_size = -16384');
const lane = new WriteLane(db);
const port = parentPort!;

port.on('message', (message: { batch: LaneAppend[] } | { close: true }) => {
  if ('close' in message) {
    db.close();
    port.close();
    return;
  }
  port.postMessage(lane.write(message.batch));
});
port.postMessage({ ready: true });
