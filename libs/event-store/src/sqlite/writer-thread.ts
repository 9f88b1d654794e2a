import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
// Relative imports only: under ts-jest this file is transpiled on require inside the thread.
import { WriteLane, configureConnection, type LaneReply } from './write-lane';
import { flattenReply, unflattenBatch, type FlatBatch } from './lane-messages';

/** The store's writer thread: its own connection, one group of appends per message, answered in order. */
export interface WriterThreadData {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
  /** Test support only (SqliteEventStoreOptions.testPositionGaps). */
  positionGaps: number;
}

const data = workerData as WriterThreadData;
const db = new Database(data.file);
configureConnection(db, data.synchronous, data.busyTimeoutMs);
const lane = new WriteLane(db, data.positionGaps);
const port = parentPort!;

port.on('message', (message: { batch: FlatBatch } | { close: true }) => {
  if ('close' in message) {
    db.close();
    port.close();
    return;
  }
  const batch = unflattenBatch(message.batch);
  let reply: LaneReply;
  try {
    reply = lane.write(batch);
  } catch (e) {
    // The lane answers its own failures; this is one it could not (a failed ROLLBACK): fail the group, keep the thread.
    const error = { kind: 'other' as const, message: e instanceof Error ? e.message : String(e) };
    reply = { outcomes: batch.map(() => ({ ok: false as const, error })), commits: 0, eventsWritten: 0 };
  }
  port.postMessage(flattenReply(reply));
});
