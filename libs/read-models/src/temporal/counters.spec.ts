import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { openReadModels } from '../data-source';
import { applyEvents, rebuildReadModels, toProjected } from '../projector';
import type { ProjectedEvent } from '../projected-event';
import { applyTemporal } from './project';
import { TEMPORAL_ENTITIES } from './entities';
import { EventScript } from '../testing/county-script';
import { RandomCounty, prng } from '../testing/random-county';
import { dumpReadModels } from '../testing/dump';
import { COUNTER_LAYOUT, countsAt, tuplesOf, type CountTuple } from './counters';

type ByOwner = Record<string, CountTuple[]>;

/** The current-state counters (rm_item_counter) of units and subtrees: what the temporal counters must give as of the same position. */
async function currentCounters(ds: DataSource): Promise<ByOwner> {
  const rows: { ownerKind: string; ownerId: string; status: string; dueDate: string; count: number; onTime: number }[] = await ds.query(
    `SELECT * FROM "rm_item_counter" WHERE "ownerKind" IN ('unit', 'subtree') ORDER BY "ownerKind", "ownerId", "status", "dueDate"`,
  );
  const out: ByOwner = {};
  for (const r of rows) (out[`${r.ownerKind}:${r.ownerId}`] ??= []).push([r.status, r.dueDate, Number(r.count), Number(r.onTime)]);
  return out;
}

async function temporalCounters(ds: DataSource, unitIds: string[], position: number): Promise<ByOwner> {
  const out: ByOwner = {};
  const query = (sql: string, params?: unknown[]) => ds.query(sql, params);
  for (const kind of ['subtree', 'unit'] as const) {
    for (const [id, counts] of await countsAt(query, false, kind, unitIds, position)) {
      const tuples = tuplesOf(counts);
      if (tuples.length) out[`${kind}:${id}`] = tuples;
    }
  }
  return out;
}

const sorted = (o: ByOwner): ByOwner => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

describe('temporal counters: packed changes, epochs and snapshots', () => {
  const saved = { ...COUNTER_LAYOUT };
  let dir: string;
  let store: EventStore;
  let state: DataSource;
  let live: DataSource;

  beforeAll(async () => {
    // Tiny epochs and snapshots, so that a few hundred events close many of each (moves among them).
    Object.assign(COUNTER_LAYOUT, { epochSize: 8, snapshotEpochs: 3 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-t-counters-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    state = await openReadModels({ dataDir: path.join(dir, 'state'), readDbUrl: null });
    live = await openReadModels({ dataDir: path.join(dir, 'live'), readDbUrl: null });
  });

  afterAll(async () => {
    Object.assign(COUNTER_LAYOUT, saved);
    await state.destroy();
    await live.destroy();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('give, as of every batch the projector committed, exactly the current-state counters of then; a rebuild writes the same rows', async () => {
    const county = new RandomCounty(new EventScript(store), 7);
    for (let i = 0; i < 500; i++) await county.step();
    const all = await store.readAll({ after: 0n, limit: 100_000 });
    const moves = all.filter((e) => e.type === 'UnitMoved').length;
    expect(moves).toBeGreaterThan(3);

    // Batches of random sizes, as a live projector meets them: the current-state models in one
    // database (their counters at each cut kept aside), the temporal ones alone in another.
    const rnd = prng(3);
    const expected = new Map<number, ByOwner>();
    for (let i = 0; i < all.length; ) {
      const n = 1 + Math.floor(rnd() * 20);
      const batch = all.slice(i, i + n);
      await state.transaction((em) => applyEvents(em, batch));
      await live.transaction((em) => applyTemporal(em, batch.map(toProjected).filter((e): e is ProjectedEvent => e !== null)));
      i += batch.length;
      expected.set(Number(batch[batch.length - 1].position), await currentCounters(state));
    }
    expect(expected.size).toBeGreaterThan(40);
    // Every epoch the log has passed is closed, and every snapshot written (the first ones hold only the tree: no rows).
    const last = async (table: string) => Number((await live.query(`SELECT MAX("epoch") AS n FROM "${table}"`))[0].n);
    expect(await last('rm_t_counter_epoch')).toBe(Math.floor(all.length / 8) - 1);
    expect(await last('rm_t_counter_snapshot')).toBe(Math.floor(all.length / 24) * 3);

    const unitIds = (await state.query(`SELECT "id" FROM "rm_unit"`)).map((r: { id: string }) => r.id);
    for (const [position, counters] of expected) expect({ position, counters: sorted(await temporalCounters(live, unitIds, position)) }).toEqual({ position, counters: sorted(counters) });

    const rebuilt = await openReadModels({ dataDir: path.join(dir, 'rebuilt'), readDbUrl: null });
    try {
      await rebuildReadModels(rebuilt, store, { batchSize: 5000 });
      const temporal = async (ds: DataSource) => {
        const tables = TEMPORAL_ENTITIES.map((e) => ds.getMetadata(e).tableName);
        return Object.fromEntries(Object.entries(await dumpReadModels(ds)).filter(([t]) => tables.includes(t)));
      };
      expect(await temporal(rebuilt)).toEqual(await temporal(live));
    } finally {
      await rebuilt.destroy();
    }
  });
});
