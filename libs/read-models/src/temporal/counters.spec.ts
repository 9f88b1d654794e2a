import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { openSqliteEventStore, type EventStore, type StoredEvent } from '@ledger/event-store';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { openReadModels } from '../data-source';
import { applyEvents, rebuildReadModels, toProjected } from '..';
import type { ProjectedEvent } from '../projected-event';
import { EventScript } from '../testing/county-script';
import { RandomCounty, prng } from '../testing/random-county';
import { dumpReadModels } from '../testing/dump';
import { applyTemporal } from './project';
import { TEMPORAL_ENTITIES } from './entities';
import { COUNTER_LAYOUT, countsAt, tuplesOf, type CountTuple } from './counters';
import { countsRows, cutCte, foldCounts, LAST_CTE } from './as-of-statement';
import { select } from '../db/select';

type ByOwner = Record<string, CountTuple[]>;

/** The current-state counters (rm_item_counter) of units and subtrees: what the temporal counters must give as of the same position. */
async function currentCounters(ds: DataSource): Promise<ByOwner> {
  const rows: { ownerKind: string; ownerId: string; status: string; dueDate: string; count: number; onTime: number }[] = await ds.query(
    `SELECT * FROM "rm_item_counter" WHERE "ownerKind" IN ('unit', 'subtree') ORDER BY "ownerKind", "ownerId", "status", "dueDate"`,
  );
  const out: ByOwner = {};
  for (const r of rows) (out[`${r.ownerKind}:${r.ownerId}`] ??= []).push([r.status, r.dueDate, Number(r.count), Number(r.onTime)]);
  return sorted(out);
}

/** `per`: owners asked by one countsAt (a few: the server leaves out the change rows that name none of them). */
async function temporalCounters(ds: DataSource, unitIds: string[], position: number, held: number, per = unitIds.length): Promise<ByOwner> {
  const out: ByOwner = {};
  const query = (sql: string, params?: unknown[]) => ds.query(sql, params);
  for (const kind of ['subtree', 'unit'] as const) {
    for (let i = 0; i < unitIds.length; i += per) {
      for (const [id, counts] of await countsAt(query, ds.options.type === 'postgres', kind, unitIds.slice(i, i + per), position, held)) {
        const tuples = tuplesOf(counts);
        if (tuples.length) out[`${kind}:${id}`] = tuples;
      }
    }
  }
  return sorted(out);
}

/** The same through the as-of answers' single statement (the models holding what they hold: the whole log here). */
async function statementCounters(ds: DataSource, unitIds: string[], position: number, per = unitIds.length): Promise<ByOwner> {
  const out: ByOwner = {};
  for (const kind of ['subtree', 'unit'] as const) {
    for (let i = 0; i < unitIds.length; i += per) {
      const ids = unitIds.slice(i, i + per);
      const cut = cutCte({ position });
      const counts = countsRows(kind, ds.options.type === 'postgres');
      const owners = `"owners"("id") AS (VALUES ${ids.map((_, j) => `(:o${j})`).join(', ')})`;
      const rows = await select<{ k: string; owner: string | null; counts: string; d: unknown }>(
        ds,
        `WITH ${[cut.sql, LAST_CTE.sql, owners, ...counts.ctes].join(', ')} ${counts.rows.join(' UNION ALL ')}`,
        { ...cut.params, ...LAST_CTE.params, ...counts.params, ...Object.fromEntries(ids.map((id, j) => [`o${j}`, id])) },
      );
      for (const [id, c] of foldCounts(kind, ids, rows)) {
        const tuples = tuplesOf(c);
        if (tuples.length) out[`${kind}:${id}`] = tuples;
      }
    }
  }
  return sorted(out);
}

function sorted(o: ByOwner): ByOwner {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function temporalRows(ds: DataSource): Promise<Record<string, unknown[]>> {
  const tables = TEMPORAL_ENTITIES.map((e) => ds.getMetadata(e).tableName);
  return Object.fromEntries(Object.entries(await dumpReadModels(ds)).filter(([t]) => tables.includes(t)));
}

/**
 * `gaps`: the store leaves up to that many unused positions before each event (SQLite's test-only
 * testPositionGaps), as EventStoreDB's byte-offset positions do: epochs still hold 8 events each.
 */
describe.each([0, 40])('temporal counters: packed changes, epochs and snapshots (position gaps up to %i)', (gaps) => {
  const saved = { ...COUNTER_LAYOUT };
  let dir: string;
  let store: EventStore;
  let pg: TestPostgres;
  let all: StoredEvent[];
  /** The current-state counters after each batch, by its last position. */
  const expected = new Map<number, ByOwner>();
  const batches: StoredEvent[][] = [];
  let unitIds: string[];

  beforeAll(async () => {
    // Tiny epochs and snapshots, so that a few hundred events close many of each (moves among them).
    Object.assign(COUNTER_LAYOUT, { epochSize: 8, snapshotEpochs: 3 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-t-counters-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL', ...(gaps ? { testPositionGaps: gaps } : {}) });
    const county = new RandomCounty(new EventScript(store), 7);
    for (let i = 0; i < 500; i++) await county.step();
    all = await store.readAll({ after: 0n, limit: 100_000 });
    // The gaps are there (or not): the last position is the event count exactly when there are none.
    expect(Number(all[all.length - 1].position) === all.length).toBe(gaps === 0);
    expect(store.contiguousPositions).toBe(gaps === 0);
    // Batches of random sizes, as a live projector meets them; the current-state counters of each cut kept aside.
    const state = await openReadModels({ dataDir: path.join(dir, 'state'), readDbUrl: null });
    const rnd = prng(3);
    for (let i = 0; i < all.length;) {
      const batch = all.slice(i, i + 1 + Math.floor(rnd() * 20));
      await state.transaction((em) => applyEvents(em, batch, { contiguous: store.contiguousPositions }));
      batches.push(batch);
      i += batch.length;
      expected.set(Number(batch[batch.length - 1].position), await currentCounters(state));
    }
    unitIds = (await state.query(`SELECT "id" FROM "rm_unit"`)).map((r: { id: string }) => r.id);
    await state.destroy();
    pg = await startTestPostgres();
  }, 120_000);

  afterAll(async () => {
    Object.assign(COUNTER_LAYOUT, saved);
    await store.close();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const engine of ['sqlite', 'postgres'] as const) {
    it(`[${engine}] give, as of every batch the projector committed, exactly the current-state counters of then; a rebuild writes the same rows`, async () => {
      expect(all.filter((e) => e.type === 'UnitMoved').length).toBeGreaterThan(3);
      expect(expected.size).toBeGreaterThan(40);
      const url = async () => (engine === 'postgres' ? createTestDatabase(pg.serverUrl) : null);
      const live = await openReadModels({ dataDir: path.join(dir, `${engine}-live`), readDbUrl: await url() });
      const rebuilt = await openReadModels({ dataDir: path.join(dir, `${engine}-rebuilt`), readDbUrl: await url() });
      try {
        // The temporal models alone, batch by batch; now and then a batch first rolled back (what
        // the projection remembers between batches must not outlive it).
        const projected = (batch: StoredEvent[]) => batch.map(toProjected).filter((e): e is ProjectedEvent => e !== null);
        for (const [i, batch] of batches.entries()) {
          if (i % 7 === 3) {
            const failing = live.transaction(async (em) => {
              await applyTemporal(em, projected(batch));
              throw new Error('rolled back');
            });
            await expect(failing).rejects.toThrow('rolled back');
          }
          await live.transaction((em) => applyTemporal(em, projected(batch)));
        }
        // Every epoch the log has passed is closed, and every snapshot written (the first ones hold only the tree: no rows):
        // epochs of 8 events, whatever the positions.
        const last = async (table: string) => Number((await live.query(`SELECT MAX("epoch") AS n FROM "${table}"`))[0].n);
        expect(await last('rm_t_counter_epoch')).toBe(Math.floor(all.length / 8) - 1);
        expect(await last('rm_t_counter_snapshot')).toBe(Math.floor(all.length / 24) * 3);

        // Read forwards only (as the projector does, holding the log up to the position), and from
        // whichever side is nearer once the whole log is held (closed epochs and later snapshots less what follows).
        const head = Number(all[all.length - 1].position);
        for (const [position, counters] of expected) {
          expect({ position, counters: await temporalCounters(live, unitIds, position, position) }).toEqual({ position, counters });
          expect({ position, head, counters: await temporalCounters(live, unitIds, position, head) }).toEqual({ position, head, counters });
          expect({ position, statement: await statementCounters(live, unitIds, position) }).toEqual({ position, statement: counters });
        }
        // A position between two events (in a gap, or just before the next) answers as the event before it.
        for (let i = 1; i < batches.length; i++) {
          const between = Number(batches[i][0].position) - 1;
          const counters = expected.get(Number(batches[i - 1][batches[i - 1].length - 1].position));
          expect({ between, counters: await temporalCounters(live, unitIds, between, head, i % 2 ? 3 : unitIds.length) }).toEqual({ between, counters });
          // The statement's server-side filter of the change rows with up to 8 owners asked, and without.
          expect({ between, statement: await statementCounters(live, unitIds, between, i % 2 ? 8 : unitIds.length) }).toEqual({ between, statement: counters });
        }

        await rebuildReadModels(rebuilt, store, { batchSize: 5000 });
        expect(await temporalRows(rebuilt)).toEqual(await temporalRows(live));
      } finally {
        await live.destroy();
        await rebuilt.destroy();
      }
    }, 120_000);
  }
});
