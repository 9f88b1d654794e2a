import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
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

describe('SQLite subscriptions of one process', () => {
  const urge = (note: string) => ({ id: randomUUID(), type: 'ItemUrged', schemaVersion: 1, data: { note }, metadata: {} });

  it('woken by one commit, read it once: both see the batch as the first read it, each with objects of its own', async () => {
    const file = path.join(dir, 'shared-read.sqlite');
    const store = await openSqliteEventStore({ file, synchronous: 'NORMAL' });
    const editor = new Database(file);
    const seen: StoredEvent[][] = [[], []];
    // Whichever reads a commit first rewrites its first row through another connection, in its handler: a
    // second read of the table would see that row changed, the shared batch does not.
    const edited = new Set<bigint>();
    const handler = (i: number) => (batch: StoredEvent[]) => {
      seen[i].push(...batch);
      if (!edited.has(batch[0].position)) {
        edited.add(batch[0].position);
        editor.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify({ note: 'rewritten' }), Number(batch[0].position));
      }
    };
    const subs = [store.subscribe(handler(0), { after: 0n }), store.subscribe(handler(1), { after: 0n })];
    try {
      await Promise.all(subs.map((s) => s.caughtUp()));
      for (let i = 0; i < 3; i++) await store.append(`item-${i}`, [urge(`n${i}a`), urge(`n${i}b`)], 'no_stream');
      for (const s of subs) expect(await s.waitFor(6n, 30_000)).toBe(true);
      const notes = (events: StoredEvent[]) => events.map((e) => `${e.position}:${(e.data as { note: string }).note}`);
      expect(notes(seen[0])).toEqual(['1:n0a', '2:n0b', '3:n1a', '4:n1b', '5:n2a', '6:n2b']);
      expect(notes(seen[1])).toEqual(notes(seen[0]));
      expect(seen[1].every((e, k) => e !== seen[0][k] && e.data !== seen[0][k].data)).toBe(true);
      // Past that moment the table is read again: a subscription started now sees the rows as they are.
      const later: StoredEvent[] = [];
      const third = store.subscribe((batch) => void later.push(...batch), { after: 0n });
      expect(await third.waitFor(6n, 30_000)).toBe(true);
      await third.stop();
      expect(notes(later)).toEqual(['1:rewritten', '2:n0b', '3:rewritten', '4:n1b', '5:rewritten', '6:n2b']);
    } finally {
      await Promise.all(subs.map((s) => s.stop()));
      editor.close();
      await store.close();
    }
  }, 60_000);
});
