import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcurrencyError, type NewEvent } from '../port';
import { SqliteEventStore } from './sqlite-event-store';

/**
 * A stream read answered from what the store knows of the stream's tail (no table access) must be the
 * read the table would give, whatever another store instance on the same file appended meanwhile.
 * The oracle is a plain better-sqlite3 connection of the test's own.
 */
const event = (id: string): NewEvent => ({ id, type: 'Noted', schemaVersion: 1, data: { id }, metadata: {} });

describe.each([
  ['a writer thread (FULL)', 'FULL' as const],
  ['the inline writer (NORMAL)', 'NORMAL' as const],
])('SQLite stream reads answered from known tails, with %s', (_name, synchronous) => {
  let dir: string;
  let file: string;
  let a: SqliteEventStore;
  let b: SqliteEventStore;
  let oracle: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-known-tails-'));
    file = join(dir, 'events.sqlite');
    a = new SqliteEventStore({ file, synchronous });
    b = new SqliteEventStore({ file, synchronous });
    oracle = new Database(file, { readonly: true });
  });
  afterEach(async () => {
    oracle.close();
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const inTable = (stream: string, from = 0): string[] =>
    oracle.prepare('SELECT id FROM events WHERE stream = ? AND revision >= ? ORDER BY revision').pluck().all(stream, from) as string[];
  const ids = async (store: SqliteEventStore, stream: string, from = 0) => (await store.readStream(stream, from)).map((e) => e.id);

  it('answers a read past its own append without the table, and sees what another instance appended after it', async () => {
    // The first read starts what the store knows (the log's end), the second knows the stream's tail.
    expect(await ids(a, 's')).toEqual([]);
    expect(await ids(a, 's')).toEqual([]);
    await a.append('s', [event('a0'), event('a1')], 'no_stream');
    expect(await ids(a, 's', 2)).toEqual([]);
    expect(a.stats.streamReadsKnownEmpty).toBeGreaterThan(0);

    await b.append('s', [event('b2')], 1);
    expect(await ids(a, 's', 2)).toEqual(['b2']);
    expect(await ids(a, 's')).toEqual(inTable('s'));

    // A stream the store read as absent, then created by the other instance.
    expect(await ids(a, 't')).toEqual([]);
    await b.append('t', [event('b-t0')], 'no_stream');
    expect(await ids(a, 't')).toEqual(['b-t0']);
  });

  it('sees the other instance between its own appends, and after its own appends that the other one interleaved', async () => {
    await a.append('s', [event('a0')], 'no_stream');
    expect(await ids(a, 's', 1)).toEqual([]);
    await b.append('x', [event('b-x0')], 'no_stream');
    await a.append('s', [event('a1')], 0);
    // The other instance's event sits between the two appends of ours: the store cannot vouch for s past it.
    await b.append('s', [event('b2')], 1);
    expect(await ids(a, 's', 2)).toEqual(['b2']);
    expect(await ids(a, 'x')).toEqual(['b-x0']);
    await a.append('s', [event('a3')], 2);
    expect(await ids(a, 's', 3)).toEqual(['a3']);
    expect(await ids(a, 's', 4)).toEqual([]);
  });

  it('in a random interleaving of concurrent appends from both instances, every read is the table', async () => {
    let seed = 20;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const streams = ['s0', 's1', 's2', 's3'];
    let n = 0;
    for (let step = 0; step < 60; step++) {
      // A few appends at once, from either instance, each expecting the revision the table has now.
      const batch = Array.from({ length: 1 + random(4) }, () => ({ store: random(2) === 0 ? a : b, stream: streams[random(streams.length)] }));
      await Promise.all(
        batch.map(({ store, stream }) => {
          const head = inTable(stream).length - 1;
          const events = Array.from({ length: 1 + random(2) }, () => event(`e${n++}`));
          // Two appends on one stream in one step: the second conflicts, as it would in service.
          return store.append(stream, events, head < 0 ? 'no_stream' : head).catch((e: unknown) => expect(e).toBeInstanceOf(ConcurrencyError));
        }),
      );
      for (const store of [a, b]) {
        for (const stream of streams) {
          const length = inTable(stream).length;
          for (const from of [0, Math.max(0, length - 1), length, length + 1]) expect(await ids(store, stream, from)).toEqual(inTable(stream, from));
        }
      }
    }
    expect(a.stats.streamReadsKnownEmpty + b.stats.streamReadsKnownEmpty).toBeGreaterThan(0);
  });
});
