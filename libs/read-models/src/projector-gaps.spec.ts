import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { openSqliteEventStore, type EventStore, type ReadAllOptions } from '@ledger/event-store';
import { openReadModels } from './data-source';
import { rebuildReadModels, startProjector } from '.';
import { temporalCheckpoint } from './checkpoint/checkpoints';
import { EventScript } from './testing/county-script';
import { RandomCounty } from './testing/random-county';
import { dumpReadModels } from './testing/dump';

/**
 * The projector on a store whose positions only increase (SQLite with test gaps of up to 30 unused
 * numbers before each event, as EventStoreDB's byte offsets): it follows the log to the head, the
 * temporal projection takes the batches the current-state one was handed (it does not read them
 * again because `position + 1` is no event), and both end with the rows a rebuild writes.
 */
describe('the projector on positions with gaps', () => {
  let dir: string;
  let store: EventStore;
  let ds: DataSource;
  /** readAll calls: only the temporal follower makes them (subscriptions read through the store's own path). */
  let reads: ReadAllOptions[];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-gaps-'));
    const real = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL', testPositionGaps: 30 });
    reads = [];
    // The real store, its readAll counted.
    store = Object.assign(Object.create(real) as EventStore, {
      readAll: (o: ReadAllOptions) => {
        reads.push(o);
        return real.readAll(o);
      },
    });
    ds = await openReadModels({ dataDir: dir, readDbUrl: null });
  });

  afterEach(async () => {
    await ds.destroy();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('follows the log to the head, hands its batches to the temporal projection, and ends with the rows of a rebuild', async () => {
    expect(store.contiguousPositions).toBe(false);
    const projector = await startProjector(ds, store, { batchSize: 9, temporalBatchSize: 5 });
    try {
      const county = new RandomCounty(new EventScript(store), 5);
      for (let i = 0; i < 150; i++) await county.step();
      const head = await store.headPosition();
      const events = await store.countEvents(0n, head);
      expect(head > BigInt(events)).toBe(true);
      expect(await projector.waitFor(head, 60_000)).toBe(true);
      expect(await temporalCheckpoint(ds)).toBe(head);
    } finally {
      await projector.stop();
    }
    expect(reads).toEqual([]);

    const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-gaps-rebuilt-'));
    const ds2 = await openReadModels({ dataDir: dir2, readDbUrl: null });
    try {
      await rebuildReadModels(ds2, store, { batchSize: 40 });
      expect(await dumpReadModels(ds2)).toEqual(await dumpReadModels(ds));
    } finally {
      await ds2.destroy();
      fs.rmSync(dir2, { recursive: true, force: true });
    }
  }, 120_000);
});
