import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StoredEvent } from '../port';
import { openSqliteEventStore } from './sqlite-event-store';

const PEER = path.join(__dirname, '../testing/fixtures/sqlite-peer.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-sqlite-sub-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the peer fixture to its end (another process appending to the file). */
function peerAppends(file: string, appends: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PEER, 'append', file, String(appends), '1', 'item-peer', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`peer exited with ${code}: ${stderr}`))));
  });
}

describe('SQLite subscription: commits of another process', () => {
  it('wake it through the WAL watcher, without waiting for the data_version poll', async () => {
    const file = path.join(dir, 'events.sqlite');
    // A poll far longer than the test: only the watcher can deliver the peer's events in time.
    const store = await openSqliteEventStore({ file, synchronous: 'NORMAL', pollIntervalMs: 600_000 });
    const seen: StoredEvent[] = [];
    const sub = store.subscribe((batch) => void seen.push(...batch), { after: 0n });
    try {
      await sub.caughtUp();
      await peerAppends(file, 40);
      expect(await sub.waitFor(40n, 60_000)).toBe(true);
      expect(seen.map((e) => e.position)).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i + 1)));
      expect(seen.every((e) => e.stream.startsWith('item-peer-'))).toBe(true);
    } finally {
      await sub.stop();
      await store.close();
    }
  }, 90_000);
});
