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
import { closeCountersWhole } from '../migrations/1764700000000-packed-counters';

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

interface SnapshotSpan {
  epoch: number;
  /** The positions the snapshot sums: (0, to]; the span since the snapshot before: (from, to]. */
  from: number;
  to: number;
}

/** Every snapshot the closed epochs call for: snapshot s is due once epoch s − 1 is closed. */
async function snapshotSpans(ds: DataSource): Promise<SnapshotSpan[]> {
  const { epochSize: E, snapshotEpochs: S } = COUNTER_LAYOUT;
  const rows: { epoch: unknown; lastPosition: unknown }[] = await ds.query(`SELECT "epoch", "lastPosition" FROM "rm_t_epoch" WHERE "events" = ${E}`);
  const ends = new Map(rows.map((r) => [Number(r.epoch), Number(r.lastPosition)]));
  const out: SnapshotSpan[] = [];
  for (let s = S; ends.has(s - 1); s += S) out.push({ epoch: s, from: s === S ? 0 : ends.get(s - S - 1)!, to: ends.get(s - 1)! });
  return out;
}

/** The change rows as stored: position → [owners, [status, dueDate, count, onTime][]][] (read here, not through counters.ts). */
async function changeRowsOf(ds: DataSource): Promise<{ position: number; groups: [string[], CountTuple[]][] }[]> {
  const rows: { position: unknown; changes: string }[] = await ds.query(`SELECT "position", "changes" FROM "rm_t_counter_change" ORDER BY "position"`);
  return rows.map((r) => ({ position: Number(r.position), groups: JSON.parse(r.changes) }));
}

const keyOf = (r: { ownerKind: string; ownerId: string }) => `${r.ownerKind === 'unit' ? 'u' : 's'}:${r.ownerId}`;

/** Checks each snapshot's owners against the change rows of its span; returns how many snapshots left an owner out that an earlier one holds. */
async function expectSnapshotsOfChangedOwners(ds: DataSource): Promise<number> {
  const changes = await changeRowsOf(ds);
  const seen = new Set<string>();
  let fewer = 0;
  for (const { epoch, from, to } of await snapshotSpans(ds)) {
    const named = new Set<string>();
    for (const c of changes) if (c.position > from && c.position <= to) for (const [owners] of c.groups) for (const o of owners) named.add(o);
    const rows: { ownerKind: string; ownerId: string }[] = await ds.query(
      `SELECT "ownerKind", "ownerId" FROM "rm_t_counter_snapshot" WHERE "epoch" = ${epoch}`,
    );
    const owners = rows.map(keyOf).sort();
    expect({ epoch, owners }).toEqual({ epoch, owners: [...named].sort() });
    if ([...seen].some((o) => !named.has(o))) fewer++;
    for (const o of owners) seen.add(o);
  }
  return fewer;
}

/** Snapshots as written before CounterSnapshotDeltas: every owner whose sums up to the snapshot are not all zero, and no other. */
async function wholeSnapshots(ds: DataSource): Promise<{ ownerKind: string; ownerId: string; epoch: number; counts: CountTuple[] }[]> {
  const changes = await changeRowsOf(ds);
  const out: { ownerKind: string; ownerId: string; epoch: number; counts: CountTuple[] }[] = [];
  for (const { epoch, to } of await snapshotSpans(ds)) {
    const sums = new Map<string, Map<string, [number, number]>>();
    for (const c of changes) {
      if (c.position > to) break;
      for (const [owners, tuples] of c.groups)
        for (const o of owners)
          for (const [status, due, count, onTime] of tuples) {
            const byKey = sums.get(o) ?? new Map<string, [number, number]>();
            const acc = byKey.get(`${status}|${due}`) ?? [0, 0];
            byKey.set(`${status}|${due}`, [acc[0] + count, acc[1] + onTime]);
            sums.set(o, byKey);
          }
    }
    for (const [o, byKey] of sums) {
      const counts = [...byKey]
        .filter(([, [c, t]]) => c !== 0 || t !== 0)
        .map(([k, [c, t]]): CountTuple => [k.split('|')[0], k.split('|')[1], c, t])
        .sort((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] < b[1] ? -1 : 1));
      if (counts.length) out.push({ ownerKind: o.startsWith('u:') ? 'unit' : 'subtree', ownerId: o.slice(2), epoch, counts });
    }
  }
  return out.sort((a, b) => (`${a.epoch}|${a.ownerKind}|${a.ownerId}` < `${b.epoch}|${b.ownerKind}|${b.ownerId}` ? -1 : 1));
}

async function snapshotRows(ds: DataSource): Promise<{ ownerKind: string; ownerId: string; epoch: number; counts: CountTuple[] }[]> {
  const rows: { ownerKind: string; ownerId: string; epoch: unknown; counts: string }[] = await ds.query(`SELECT * FROM "rm_t_counter_snapshot"`);
  return rows
    .map((r) => ({ ownerKind: r.ownerKind, ownerId: r.ownerId, epoch: Number(r.epoch), counts: JSON.parse(r.counts) as CountTuple[] }))
    .sort((a, b) => (`${a.epoch}|${a.ownerKind}|${a.ownerId}` < `${b.epoch}|${b.ownerKind}|${b.ownerId}` ? -1 : 1));
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
        // A snapshot holds the owners that the change rows since the snapshot before name, and no other.
        const fewer = await expectSnapshotsOfChangedOwners(live);
        expect(fewer).toBeGreaterThan(0);

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

    it(`[${engine}] read the same figures from snapshots written whole before CounterSnapshotDeltas, migrated mid-log and projected on; undone, it writes them whole again`, async () => {
      const dataDir = path.join(dir, `${engine}-migrated`);
      const readDbUrl = engine === 'postgres' ? await createTestDatabase(pg.serverUrl) : null;
      let ds = await openReadModels({ dataDir, readDbUrl });
      const project = async (some: StoredEvent[][]) => {
        for (const batch of some)
          await ds.transaction((em) =>
            applyTemporal(
              em,
              batch.map(toProjected).filter((e): e is ProjectedEvent => e !== null),
            ),
          );
      };
      try {
        // Two thirds of the log projected, then the snapshots so far as the code before the migration
        // wrote them, from the change rows summed here; the rest is projected after the migration.
        const cut = Math.floor((batches.length * 2) / 3);
        await project(batches.slice(0, cut));
        const before = await wholeSnapshots(ds);
        const epochs = [...new Set(before.map((r) => r.epoch))];
        const fell = before.filter(
          (r) => r.epoch < epochs[epochs.length - 1] && !before.some((n) => n.epoch === r.epoch + COUNTER_LAYOUT.snapshotEpochs && keyOf(n) === keyOf(r)),
        );
        expect(fell.length).toBeGreaterThan(0); // owners whose figures fell to zero: what the migration must mark
        await ds.query(`DELETE FROM "rm_t_counter_snapshot"`);
        for (const r of before)
          await ds.query(
            `INSERT INTO "rm_t_counter_snapshot" ("ownerKind", "ownerId", "epoch", "counts") VALUES (${[1, 2, 3, 4].map((i) => (engine === 'postgres' ? `$${i}` : '?')).join(', ')})`,
            [r.ownerKind, r.ownerId, r.epoch, JSON.stringify(r.counts)],
          );
        await ds.query(`CREATE INDEX "ix_rm_t_counter_snapshot_epoch" ON "rm_t_counter_snapshot" ("epoch")`);
        await ds.query(`DELETE FROM "rm_migrations" WHERE "name" = 'CounterSnapshotDeltas1765550000000'`);
        await ds.destroy();
        ds = await openReadModels({ dataDir, readDbUrl });
        await project(batches.slice(cut));

        const head = Number(all[all.length - 1].position);
        for (const [position, counters] of expected) {
          expect({ position, counters: await temporalCounters(ds, unitIds, position, position) }).toEqual({ position, counters });
          expect({ position, head, counters: await temporalCounters(ds, unitIds, position, head) }).toEqual({ position, head, counters });
          expect({ position, statement: await statementCounters(ds, unitIds, position) }).toEqual({ position, statement: counters });
        }
        const whole = await wholeSnapshots(ds);
        expect(new Set(whole.map((r) => r.epoch)).size).toBeGreaterThan(epochs.length); // snapshots closed after the migration too
        await ds.undoLastMigration();
        expect(await snapshotRows(ds)).toEqual(whole);

        if (gaps === 0) {
          // PackedCounters1764700000000, which closes the epochs of a log converted from before it with
          // the code of today, still leaves whole snapshots for CounterSnapshotDeltas to mark.
          await ds.query(`DELETE FROM "rm_t_counter_snapshot"`);
          await ds.query(`DELETE FROM "rm_t_counter_epoch"`);
          await closeCountersWhole((sql, params) => ds.query(sql, params), engine === 'postgres', head);
          expect(await snapshotRows(ds)).toEqual(whole);
        }
      } finally {
        await ds.destroy();
      }
    }, 120_000);
  }
});
