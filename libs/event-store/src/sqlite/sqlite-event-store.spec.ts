import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConcurrencyError, StoredEvent } from '@ledger/event-store';
import { chinesePayload, eventStoreContract, newEvent, newEvents, streamName } from '@ledger/event-store/testing/contract-suite';
import { linksFromDefinition } from '@ledger/event-store/testing/links';
import { openSqliteEventStore, SqliteEventStore } from './sqlite-event-store';

const dirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-sqlite-'));
  dirs.push(dir);
  return path.join(dir, 'events.sqlite');
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

eventStoreContract('sqlite', async () => {
  const file = tempFile();
  const store = await openSqliteEventStore({ file, synchronous: 'NORMAL' });
  return {
    store,
    reopen: () => openSqliteEventStore({ file, synchronous: 'NORMAL' }),
    cleanup: () => store.close(),
  };
});

// The same contract with the write lane in its thread (the default under FULL; NORMAL writes inline).
eventStoreContract('sqlite, writer thread', async () => {
  const file = tempFile();
  const store = await openSqliteEventStore({ file, synchronous: 'NORMAL', writerThread: true });
  return {
    store,
    reopen: () => openSqliteEventStore({ file, synchronous: 'NORMAL', writerThread: true }),
    cleanup: () => store.close(),
  };
});

// Test support: positions with gaps (up to 40 unused numbers before each event), as EventStoreDB's; the
// contract's non-contiguous checks on a real database. The reopened instance takes the gaps from the file.
eventStoreContract(
  'sqlite, test position gaps, writer thread',
  async () => {
    const file = tempFile();
    const store = await openSqliteEventStore({ file, synchronous: 'NORMAL', writerThread: true, testPositionGaps: 40 });
    return {
      store,
      reopen: () => openSqliteEventStore({ file, synchronous: 'NORMAL', writerThread: true }),
      cleanup: () => store.close(),
    };
  },
  { contiguousPositions: false },
);

const PEER = path.join(__dirname, '../testing/fixtures/sqlite-peer.js');

/** A child process whose stdout is JSON lines; `until` resolves on the first line matching. */
function spawnPeer(args: string[]) {
  const child = spawn(process.execPath, [PEER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffer.slice(0, nl)));
      buffer = buffer.slice(nl + 1);
    }
    for (const l of listeners) l();
  });
  child.stderr.on('data', (c) => (stderr += String(c)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    lines,
    exited: exited.then((code) => {
      if (code !== 0) throw new Error(`peer exited with ${code}: ${stderr}`);
      return lines;
    }),
    until(match: (line: Record<string, unknown>) => boolean): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (lines.some(match)) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        exited.then((code) => reject(new Error(`peer exited (${code}) before the awaited line: ${stderr}`)));
        check();
      });
    },
    kill: () => child.kill(),
  };
}

describe('SqliteEventStore specifics', () => {
  const open: SqliteEventStore[] = [];
  async function openStore(options: Partial<Parameters<typeof openSqliteEventStore>[0]> = {}) {
    const store = await openSqliteEventStore({ file: tempFile(), ...options });
    open.push(store);
    return store;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('durability defaults to synchronous=FULL in WAL mode with a busy timeout; NORMAL on request', async () => {
    const full = await openStore();
    expect(full.pragmas()).toEqual({ journalMode: 'wal', synchronous: 'FULL', busyTimeoutMs: 10_000 });
    const normal = await openStore({ synchronous: 'NORMAL', busyTimeoutMs: 2_000 });
    expect(normal.pragmas()).toEqual({ journalMode: 'wal', synchronous: 'NORMAL', busyTimeoutMs: 2_000 });
    expect(() => new SqliteEventStore({ file: tempFile(), synchronous: 'OFF' as never })).toThrow('FULL or NORMAL');
  });

  it('readForReplay reads what readAll reads, less the ids, metadata and hash links', async () => {
    const store = await openStore({ synchronous: 'NORMAL' });
    await store.append(streamName(), newEvents(3), 'no_stream');
    await store.append(streamName('unit'), newEvents(2), 'no_stream');
    const all = await store.readAll({ after: 1n, limit: 3 });
    const replayed = await store.readForReplay({ after: 1n, limit: 3 });
    expect(replayed).toEqual(
      all.map((e) => ({
        stream: e.stream,
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: e.data,
        revision: e.revision,
        position: e.position,
        recordedAt: e.recordedAt,
      })),
    );
    expect(replayed.map((e) => e.position)).toEqual([2n, 3n, 4n]);
  });

  it('streamHeadsAt half read leaves the inline writer free to append (its rows step on a connection of their own)', async () => {
    const store = await openStore({ synchronous: 'NORMAL' });
    const [a, b] = [streamName(), streamName()];
    await store.append(a, newEvents(1), 'no_stream');
    const cut = (await store.append(b, newEvents(1), 'no_stream')).position;
    const heads = store.streamHeadsAt(cut)[Symbol.asyncIterator]();
    expect((await heads.next()).value).toMatchObject({ stream: a, revision: 0 });
    await store.append(a, newEvents(1), 0);
    expect((await heads.next()).value).toMatchObject({ stream: b, revision: 0, position: cut });
    expect((await heads.next()).done).toBe(true);
  });

  it('group commit: 32 concurrent appends share one transaction', async () => {
    const store = await openStore();
    const before = { ...store.stats };
    const results = await Promise.all(Array.from({ length: 32 }, () => store.append(streamName(), newEvents(2), 'no_stream')));
    expect(store.stats.commits - before.commits).toBe(1);
    expect(store.stats.appends - before.appends).toBe(32);
    expect(store.stats.eventsWritten - before.eventsWritten).toBe(64);
    expect(results.map((r) => r.position).sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 32 }, (_, i) => BigInt(2 * i + 2)));
  });

  it('appenders resumed by a commit land together in the next one', async () => {
    const store = await openStore();
    const before = store.stats.commits;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        const s = streamName();
        for (let i = 0; i < 10; i++) await store.append(s, newEvents(1), i - 1 < 0 ? 'no_stream' : i - 1);
      }),
    );
    expect(await store.headPosition()).toBe(320n);
    expect(store.stats.commits - before).toBeLessThanOrEqual(12);
  });

  it('in a group, a conflicting append fails alone', async () => {
    const store = await openStore();
    const s = streamName();
    await store.append(s, newEvents(1), 'no_stream');
    const before = store.stats.commits;
    const [a, b, c] = await Promise.allSettled([
      store.append(streamName(), newEvents(1), 'no_stream'),
      store.append(s, newEvents(1), 'no_stream'),
      store.append(s, newEvents(1), 0),
    ]);
    expect(a.status).toBe('fulfilled');
    expect(b.status === 'rejected' && b.reason).toBeInstanceOf(ConcurrencyError);
    expect(c.status === 'fulfilled' && c.value).toEqual({ revision: 1, position: 3n });
    expect(store.stats.commits - before).toBe(1);
    const all = await store.readAll({ after: 0n, limit: 10 });
    expect(all.map((e) => e.position)).toEqual([1n, 2n, 3n]);
  });

  it('in a group, the appends after a conflicting one take the next positions and link from their definition', async () => {
    const store = await openStore();
    const s = streamName();
    await store.append(s, newEvents(1), 'no_stream');
    const before = store.stats.commits;
    const [a, b, c, d] = await Promise.allSettled([
      store.append('group-a', newEvents(2), 'no_stream'),
      store.append(s, newEvents(1), 'no_stream'),
      store.append(s, newEvents(1), 0),
      store.append('group-d', newEvents(1), 'no_stream'),
    ]);
    expect(store.stats.commits - before).toBe(1);
    expect([a, c, d].map((o) => o.status === 'fulfilled' && o.value)).toEqual([
      { revision: 1, position: 3n },
      { revision: 1, position: 4n },
      { revision: 0, position: 5n },
    ]);
    expect(b.status === 'rejected' && b.reason).toBeInstanceOf(ConcurrencyError);
    const all = await store.readAll({ after: 0n, limit: 10 });
    expect(all.map((e) => [e.stream, e.revision, e.position])).toEqual([
      [s, 0, 1n],
      ['group-a', 0, 2n],
      ['group-a', 1, 3n],
      [s, 1, 4n],
      ['group-d', 0, 5n],
    ]);
    expect(all.map((e) => [e.streamHash, e.globalHash])).toEqual(linksFromDefinition(all).map((l) => [l.streamHash, l.globalHash]));
  });

  it('two writers on one file take turns: each finds the tip the other left, positions stay gap-free and links whole', async () => {
    const a = await openStore({ synchronous: 'NORMAL' });
    const b = await openSqliteEventStore({ file: a.file, synchronous: 'NORMAL' });
    open.push(b);
    const shared = streamName();
    let revision = -1;
    // A fixed, uneven order of turns: runs of one writer, then switches, on a shared stream and on each one's own.
    const turns = 'aabababbbaabaaabbbbab';
    for (let i = 0; i < turns.length; i++) {
      const store = turns[i] === 'a' ? a : b;
      await store.append(`own-${turns[i]}`, newEvents(1 + (i % 3)), 'any');
      revision = (await store.append(shared, newEvents(1), revision < 0 ? 'no_stream' : revision)).revision;
    }
    await expect(a.append(shared, newEvents(1), revision - 1)).rejects.toBeInstanceOf(ConcurrencyError);
    const all = await b.readAll({ after: 0n, limit: 1000 });
    expect(all.map((e) => e.position)).toEqual(all.map((_, i) => BigInt(i + 1)));
    expect(all.filter((e) => e.stream === shared).map((e) => e.revision)).toEqual(Array.from({ length: turns.length }, (_, i) => i));
    expect(all.map((e) => [e.streamHash, e.globalHash])).toEqual(linksFromDefinition(all).map((l) => [l.streamHash, l.globalHash]));
  });

  it('a write lock held elsewhere past the busy timeout fails the append cleanly; it succeeds once released', async () => {
    const store = await openStore({ busyTimeoutMs: 50 });
    const other = new Database(store.file);
    try {
      other.exec('BEGIN IMMEDIATE');
      const tries = await Promise.allSettled([1, 2, 3].map(() => store.append(streamName(), newEvents(1), 'any')));
      expect(tries.map((t) => t.status === 'rejected' && (t.reason as { code?: string }).code)).toEqual(['SQLITE_BUSY', 'SQLITE_BUSY', 'SQLITE_BUSY']);
      expect(await store.headPosition()).toBe(0n);
      other.exec('COMMIT');
      expect((await store.append(streamName(), newEvents(1), 'any')).position).toBe(1n);
    } finally {
      other.close();
    }
  });

  it('recordedAt comes from the injected clock; the size limit is configurable', async () => {
    const store = await openStore({ clock: { now: () => new Date('2026-02-03T04:05:06.000Z') }, maxEventBytes: 2_000 });
    const e = newEvent();
    delete e.metadata.recordedAt;
    await store.append('item-1', [e], 'no_stream');
    expect((await store.readStream('item-1'))[0].recordedAt).toBe('2026-02-03T04:05:06.000Z');
    const big = newEvent('ItemAssigned', { text: chinesePayload(2_000) });
    await expect(store.append('item-1', [big], 'any')).rejects.toMatchObject({ code: 'EVENT_TOO_LARGE', limit: 2_000 });
  });

  it('a closed store refuses appends; pending appends are committed by close()', async () => {
    const store = await openStore();
    const pending = store.append('item-1', newEvents(3), 'no_stream');
    await store.close();
    expect(await pending).toEqual({ revision: 2, position: 3n });
    await expect(store.append('item-1', newEvents(1), 'any')).rejects.toThrow('closed');
    const again = await openStore({ file: store.file });
    expect(await again.readStream('item-1')).toHaveLength(3);
  });

  it('a second process following the file sees every event appended here exactly once, in order', async () => {
    const store = await openStore({ synchronous: 'NORMAL' });
    const peer = spawnPeer(['follow', store.file, '2000', '0']);
    try {
      await peer.until((l) => l.ready === true);
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < 200) {
            const i = next++;
            await store.append(`item-${i % 17}`, newEvents(10), 'any');
          }
        }),
      );
      const lines = await peer.exited;
      const events = lines.filter((l) => 'position' in l && 'id' in l);
      const all = await store.readAll({ after: 0n, limit: 5000 });
      expect(all).toHaveLength(2000);
      expect(events.map((l) => l.position)).toEqual(all.map((e) => e.position.toString()));
      expect(events.map((l) => l.id)).toEqual(all.map((e) => e.id));
      expect(events[5].note).toBe((all[5].data as { note: string }).note);
    } finally {
      peer.kill();
    }
  }, 120_000);

  it("two processes appending to one file interleave gap-free; a subscription here sees the other process's events", async () => {
    const store = await openStore({ synchronous: 'NORMAL' });
    const seen: StoredEvent[] = [];
    const sub = store.subscribe((batch) => void seen.push(...batch), { after: 0n });
    const peer = spawnPeer(['append', store.file, '300', '2', 'item-peer', '4']);
    try {
      await peer.until((l) => 'appended' in l);
      for (let i = 0; i < 300; i++) await store.append(`item-here-${i % 10}`, newEvents(2), 'any');
      await peer.exited;
      expect(await store.headPosition()).toBe(1200n);
      expect(await sub.waitFor(1200n, 60_000)).toBe(true);
      expect(seen.map((e) => e.position)).toEqual(Array.from({ length: 1200 }, (_, i) => BigInt(i + 1)));
      expect(seen.filter((e) => e.stream.startsWith('item-peer'))).toHaveLength(600);
      const byStream = new Map<string, number[]>();
      for (const e of seen) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e.revision]);
      for (const revisions of byStream.values()) expect(revisions).toEqual(revisions.map((_, i) => i));
    } finally {
      await sub.stop();
      peer.kill();
    }
  }, 120_000);
});
