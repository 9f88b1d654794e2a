import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { openReadModels } from './data-source';
import { applyEvents, rebuildReadModels, startProjector, type RunningProjector } from '.';
import { currentStateCheckpoint, ensureTemporalCovers, ensureTemporalPosition, temporalCheckpoint } from './checkpoint/checkpoints';
import { ReadModelsBehindError } from './errors';
import { EventScript } from './testing/county-script';
import { RandomCounty } from './testing/random-county';
import { dumpReadModels } from './testing/dump';
import { holdItemVersions } from './temporal/project';

/**
 * The temporal read models are a projection of their own: the current-state batch and its checkpoint
 * commit first, then the temporal batch and its checkpoint. Whatever happens between the two, they
 * end with the rows of a rebuild.
 */
describe('the temporal projection beside the current-state one', () => {
  let dir: string;
  let store: EventStore;
  let ds: DataSource;
  let projector: RunningProjector | null;
  let county: RandomCounty;
  let script: EventScript;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-temporal-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    ds = await openReadModels({ dataDir: dir, readDbUrl: null });
    script = new EventScript(store);
    county = new RandomCounty(script, 11);
    projector = null;
  });

  afterEach(async () => {
    await projector?.stop();
    await ds.destroy();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const steps = async (n: number) => {
    for (let i = 0; i < n; i++) await county.step();
  };

  const rebuilt = async (): Promise<Record<string, unknown[]>> => {
    const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-temporal-rebuilt-'));
    const ds2 = await openReadModels({ dataDir: dir2, readDbUrl: null });
    try {
      await rebuildReadModels(ds2, store, { batchSize: 50 });
      return await dumpReadModels(ds2);
    } finally {
      await ds2.destroy();
      fs.rmSync(dir2, { recursive: true, force: true });
    }
  };

  const caughtUp = async () => {
    const head = await store.headPosition();
    expect(await projector!.waitFor(head, 20_000)).toBe(true);
    expect(await currentStateCheckpoint(ds)).toBe(head);
    expect(await temporalCheckpoint(ds)).toBe(head);
  };

  /** `n` county steps, projected to the head and stopped: the temporal checkpoint it left. */
  const projectedThenStopped = async (n: number, batchSize: number): Promise<bigint> => {
    await steps(n);
    projector = await startProjector(ds, store, { batchSize });
    await caughtUp();
    await projector.stop();
    projector = null;
    return temporalCheckpoint(ds);
  };

  it('a crash between the two transactions: the temporal models catch up on start, neither twice nor skipping', async () => {
    const before = await projectedThenStopped(150, 13);

    // The current-state transaction of the next batches committed, the process died before the temporal one.
    await steps(120);
    const next = await store.readAll({ after: before, limit: 10_000 });
    await ds.transaction((em) => applyEvents(em, next.slice(0, 60)));
    await ds.transaction((em) => applyEvents(em, next.slice(60)));
    expect(await currentStateCheckpoint(ds)).toBe(await store.headPosition());
    expect(await temporalCheckpoint(ds)).toBe(before);

    projector = await startProjector(ds, store, { batchSize: 13 });
    await caughtUp();
    expect(await dumpReadModels(ds)).toEqual(await rebuilt());
  });

  it("a version cache of three items: the least recently touched go and are read back, and the rows are a rebuild's", async () => {
    await steps(200);
    holdItemVersions(ds, 3);
    try {
      projector = await startProjector(ds, store, { batchSize: 7 });
      await caughtUp();
    } finally {
      holdItemVersions(ds);
    }
    expect(await dumpReadModels(ds)).toEqual(await rebuilt());
  });

  it("caught up, a live batch opens one transaction for both projections; the rows are a rebuild's", async () => {
    await steps(40);
    let transactions = 0;
    let batches = 0;
    projector = await startProjector(ds, store, { batchSize: 7, fence: async () => void transactions++, onBatch: () => void batches++ });
    await caughtUp();
    for (let i = 0; i < 30; i++) {
      transactions = 0;
      batches = 0;
      await county.step();
      await caughtUp();
      // Every batch of the step, current state and temporal together (two each when they took turns).
      expect({ step: i, transactions }).toEqual({ step: i, transactions: batches });
    }
    expect(await dumpReadModels(ds)).toEqual(await rebuilt());
  });

  it('a database from before the split (no temporal checkpoint row) goes on from its newest mark', async () => {
    const at = await projectedThenStopped(100, 9);
    await ds.query(`DELETE FROM "rm_checkpoint" WHERE "name" = 'temporal'`);
    expect(await temporalCheckpoint(ds)).toBe(at);

    await steps(80);
    projector = await startProjector(ds, store, { batchSize: 9 });
    await caughtUp();
    expect(await dumpReadModels(ds)).toEqual(await rebuilt());
  });

  it('a rebuild that died in its temporal pass: a projector finishes it (rows and indexes)', async () => {
    await steps(200);
    let temporalBatches = 0;
    await expect(
      rebuildReadModels(ds, store, {
        batchSize: 40,
        temporalBatchSize: 30,
        onProgress: (p) => {
          if (p.phase === 'temporal' && ++temporalBatches === 2) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(await temporalCheckpoint(ds)).toBe(60n);
    expect(await currentStateCheckpoint(ds)).toBe(await store.headPosition());

    projector = await startProjector(ds, store, { batchSize: 25 });
    await caughtUp();
    expect(await dumpReadModels(ds)).toEqual(await rebuilt());
    expect((await ds.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
  });

  it('as-of answers wait for the temporal checkpoint: an instant it does not cover yet is not answered from fewer events', async () => {
    script.at = '2026-03-01T09:00:00+08:00';
    await projectedThenStopped(60, 10);

    script.at = '2026-03-05T09:00:00+08:00';
    await steps(40);
    const all = await store.readAll({ after: await temporalCheckpoint(ds), limit: 10_000 });
    await ds.transaction((em) => applyEvents(em, all));
    const head = await store.headPosition();

    // An instant before the temporal models' newest event: every event of its cut is there.
    await ensureTemporalCovers(ds, Date.parse('2026-02-28T12:00:00+08:00'), 0);
    // An instant after it: the events recorded on 03-05 belong to its cut, and they are not there yet.
    const later = Date.parse('2026-03-06T09:00:00+08:00');
    await expect(ensureTemporalCovers(ds, later, 50)).rejects.toBeInstanceOf(ReadModelsBehindError);
    await expect(ensureTemporalPosition(ds, head, 50)).rejects.toBeInstanceOf(ReadModelsBehindError);

    const waiting = ensureTemporalCovers(ds, later, 20_000);
    projector = await startProjector(ds, store, { batchSize: 10 });
    await waiting;
    await ensureTemporalPosition(ds, head, 0);
    expect(await temporalCheckpoint(ds)).toBe(head);
  });
});
