import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { QueryFailedError, type DataSource } from 'typeorm';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { openReadModels } from './data-source';
import { ReadQueries } from './queries';
import { applyEvents, rebuildReadModels, startProjector, type RunningProjector } from '.';
import { currentStateCheckpoint } from './checkpoint/checkpoints';
import { EventScript } from './testing/county-script';
import { scriptedCounty } from './testing/scripted-county';
import { dumpReadModels } from './testing/dump';
import { emptyFigures } from '@ledger/contracts/http/views';
import type { Figures } from './views';

const TODAY = '2026-03-10';

const figures = (p: Partial<Figures>): Figures => ({ ...emptyFigures(), ...p });

describe('read models projected from a scripted county', () => {
  let dir: string;
  let store: EventStore;
  let ds: DataSource;
  let queries: ReadQueries;
  let projector: RunningProjector;
  let script: EventScript;

  const caughtUp = async () => {
    const head = await store.headPosition();
    expect(await projector.waitFor(head, 10_000)).toBe(true);
    expect(await queries.waitForPosition(head, 10_000)).toBe(true);
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-proj-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    ds = await openReadModels({ dataDir: dir, readDbUrl: null });
    queries = new ReadQueries(ds, { dueSoonDays: 3 });
    projector = await startProjector(ds, store, { batchSize: 7 });
    script = new EventScript(store);
  });

  afterEach(async () => {
    await projector.stop();
    await ds.destroy();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const county = () => scriptedCounty(script);

  it('answers unit, subtree, child and cadre figures; lights follow today', async () => {
    await county();
    await caughtUp();

    expect(await queries.unitFigures('V1', false, TODAY)).toEqual(
      figures({ total: 4, open: 3, overdue: 1, dueSoon: 1, struckOff: 1, closureRate: 1 / 4, onTimeRate: 1 }),
    );
    expect(await queries.unitFigures('V2', true, TODAY)).toEqual(
      figures({ total: 2, open: 1, awaitingReview: 1, concluded: 1, closureRate: 1 / 2, onTimeRate: 0 }),
    );
    const t1 = figures({ total: 6, open: 4, overdue: 1, dueSoon: 1, awaitingReview: 1, concluded: 1, struckOff: 1, closureRate: 2 / 6, onTimeRate: 1 / 2 });
    expect(await queries.unitFigures('T1', true, TODAY)).toEqual(t1);
    expect(await queries.unitFigures('T1', false, TODAY)).toEqual(figures({})); // I8 went to V3
    const t2 = figures({ total: 2, open: 1, overdue: 1, withdrawn: 1 });
    expect(await queries.unitFigures('T2', true, TODAY)).toEqual(t2);
    expect((await queries.unitFigures('C', true, TODAY))!.total).toBe(8);
    expect(await queries.childrenFigures('C', TODAY)).toEqual([
      { unitId: 'T1', name: '和平乡党委', ...t1 },
      { unitId: 'T2', name: '申中乡党委', ...t2 },
    ]);
    expect(await queries.cadreFigures('K1', TODAY)).toEqual(
      figures({ total: 4, open: 3, overdue: 1, dueSoon: 1, struckOff: 1, closureRate: 1 / 4, onTimeRate: 1 }),
    );
    expect((await queries.cadresFigures({ unitId: 'T1' }, TODAY)).map((r) => [r.cadreId, r.total])).toEqual([
      ['K1', 4],
      ['K2', 2],
    ]);
    // Three days on, I2 (due 03-12) and I3 (due 03-20 → not yet) change lights without any event.
    expect((await queries.unitFigures('V1', false, '2026-03-13'))!.overdue).toBe(2);
    expect((await queries.item('I2', '2026-03-09'))!.light).toBe('yellow');
    expect((await queries.item('I2', '2026-03-08'))!.light).toBe('green');
    expect((await queries.item('I2', '2026-03-13'))!.light).toBe('red');
  });

  it('keeps item views: due date in force, urge level, accountability, revision', async () => {
    await county();
    await caughtUp();
    const i1 = (await queries.item('I1', TODAY))!;
    expect(i1).toMatchObject({ status: 'in_progress', light: 'red', overdue: true, urgeLevel: 'listed', accountabilityCount: 1 });
    expect(i1.revision).toBe(7); // assigned, acknowledged, 3 urges, 2 decisions, 1 revocation: revisions 0..7
    const i7 = (await queries.item('I7', TODAY))!;
    expect(i7).toMatchObject({ dueDate: '2026-04-30', originalDueDate: '2026-03-09', light: 'green', overdue: false });
    expect((await queries.item('I6', TODAY))!.light).toBeNull();
    expect(await queries.item('I5', TODAY)).toMatchObject({ status: 'struck_off', light: 'green', concludedOn: '2026-03-07', onTime: true });
    expect(await queries.item('I4', TODAY)).toMatchObject({ status: 'concluded', onTime: false });
    expect(await queries.item('nope', TODAY)).toBeNull();

    const register = await queries.register({ targetKind: 'cadre', targetId: 'K1' });
    expect(register.map((r) => [r.decisionId, r.revoked])).toEqual([
      ['D1', false],
      ['D2', true],
    ]);
    expect(await queries.register({ from: '2026-03-10' })).toEqual([]);
    expect(await queries.register({ scopeRootUnitId: 'T2' })).toEqual([]);
    expect((await queries.register({ scopeRootUnitId: 'T1', form: 'admonishment' })).length).toBe(2);
  });

  it('lists items filtered, scoped, sorted and paged', async () => {
    await county();
    await caughtUp();
    const ids = async (f: Parameters<ReadQueries['listItems']>[0]) => (await queries.listItems(f, TODAY)).items.map((i) => i.id);
    expect(await ids({ light: 'red' })).toEqual(['I8', 'I1']);
    expect(await ids({ light: 'red', scopeRootUnitId: 'T1' })).toEqual(['I1']);
    expect(await ids({ light: 'yellow' })).toEqual(['I2']);
    expect(await ids({ light: 'green', unitId: 'V1', subtree: false })).toEqual(['I5', 'I7']);
    expect(await ids({ status: ['reported', 'concluded'] })).toEqual(['I4', 'I3']);
    expect(await ids({ unitId: 'T2' })).toEqual(['I8', 'I6']);
    expect(await ids({ cadreId: 'K2', sort: '-dueDate' })).toEqual(['I3', 'I4']);
    expect(await ids({ dueFrom: '2026-03-08', dueTo: '2026-03-15' })).toEqual(['I5', 'I2', 'I6']);
    expect(await ids({ sheetId: 's1', sort: '-updatedAt', pageSize: 1 })).toHaveLength(1);
    const page2 = await queries.listItems({ pageSize: 3, page: 2 }, TODAY);
    expect(page2).toMatchObject({ total: 8, page: 2, pageSize: 3 });
    expect(page2.items.map((i) => i.id)).toEqual(['I5', 'I2', 'I6']); // by due date: I4 I8 I1 | I5 I2 I6 | I3 I7
    expect((await queries.listItems({ unitId: 'unknown' }, TODAY)).total).toBe(0);
  });

  it('moves figures with a moved unit, renames, and answers the tree', async () => {
    await county();
    await script.append('UnitMoved', { unitId: 'V2', parentId: 'T2', previousParentId: 'T1' });
    await script.append('UnitRenamed', { unitId: 'V1', name: '茶曲村党委', previousName: '茶曲村党支部' });
    await script.unit('G1', '党小组', 'V2', 'party_group');
    await script.assign('I9', 'G1', 'K2', '2026-03-30');
    await caughtUp();

    expect((await queries.unitFigures('T1', true, TODAY))!.total).toBe(4);
    expect((await queries.unitFigures('T2', true, TODAY))!.total).toBe(5);
    expect(await queries.unit('G1')).toMatchObject({ path: '/C/T2/V2/G1/', parentId: 'V2' });
    expect(await queries.unit('V2')).toMatchObject({ path: '/C/T2/V2/', parentId: 'T2' });
    expect((await queries.unit('V1'))!.name).toBe('茶曲村党委');
    expect(await queries.isInSubtree('G1', 'T2')).toBe(true);
    expect(await queries.isInSubtree('G1', 'T1')).toBe(false);
    expect(await queries.isInSubtree('T1', 'T1')).toBe(true);
    expect((await queries.unitsOf('T2')).map((u) => u.id)).toEqual(['T2', 'V2', 'G1', 'V3']);
    expect((await queries.liveChildren('T2')).map((u) => u.id).sort()).toEqual(['V2', 'V3']);
    expect((await queries.cadres({ unitId: 'T2' })).map((c) => c.id).sort()).toEqual(['K2', 'K3']);
    expect((await queries.openItemsOfUnit('V1')).map((i) => i.id)).toEqual(['I1', 'I2', 'I7']);

    await script.append('UnitDissolved', { unitId: 'G1', reason: '合并' });
    await script.append('CadreLeft', { cadreId: 'K3', reason: '退休' });
    await caughtUp();
    expect(await queries.liveChildren('V2')).toEqual([]);
    expect((await queries.cadres({ unitId: 'T2' })).map((c) => c.id)).toEqual(['K2']);
    // K3 left but still answers for I8 and I6, so the per-cadre figures keep the row.
    expect((await queries.cadresFigures({ unitId: 'T2' }, TODAY)).map((r) => r.cadreId).sort()).toEqual(['K2', 'K3']);
  });

  it('rebuilds into a fresh database with exactly the rows of the live projector; a replayed batch changes nothing', async () => {
    await county();
    await script.append('UnitMoved', { unitId: 'V2', parentId: 'T2', previousParentId: 'T1' });
    await caughtUp();
    const live = await dumpReadModels(ds);

    const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-rebuild-'));
    const ds2 = await openReadModels({ dataDir: dir2, readDbUrl: null });
    try {
      const seen: bigint[] = [];
      const result = await rebuildReadModels(ds2, store, { batchSize: 5, onProgress: (p) => seen.push(p.position) });
      expect(result.position).toBe(await store.headPosition());
      expect(seen.length).toBeGreaterThan(1);
      expect(await dumpReadModels(ds2)).toEqual(live);

      // The whole log handed over again: every event is at or below the checkpoint, nothing moves.
      const all = await store.readAll({ after: 0n, limit: 10_000 });
      await ds2.transaction((em) => applyEvents(em, all));
      expect(await dumpReadModels(ds2)).toEqual(live);
      // Rebuilding over existing rows clears them first; batch boundaries (one event, a few, the whole
      // log with units registered, items assigned and a unit moved in one batch) do not matter.
      for (const batchSize of [1, 3, 5000]) {
        await rebuildReadModels(ds2, store, { batchSize });
        expect(await dumpReadModels(ds2)).toEqual(live);
      }
    } finally {
      await ds2.destroy();
      fs.rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('recounts figures on start after a rebuild that died half-way', async () => {
    await county();
    await caughtUp();
    const live = await dumpReadModels(ds);
    await projector.stop();
    let calls = 0;
    await expect(
      rebuildReadModels(ds, store, {
        batchSize: 10,
        onProgress: () => {
          if (++calls === 2) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    // As if the process had died before its final step: counters and indexes gone, the marker left.
    await ds.query(`DELETE FROM "rm_item_counter"`);
    await ds.query(`DROP INDEX "ix_rm_item_due"`);
    await ds.query(`INSERT INTO "rm_checkpoint" ("name", "position") VALUES ('counters-stale', '0')`);
    expect(await queries.checkpoint()).toBe(20n);
    projector = await startProjector(ds, store, { batchSize: 7 });
    await caughtUp();
    expect(await dumpReadModels(ds)).toEqual(live);
    expect((await ds.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
  });

  it('creates the schema with migrations that match the entities exactly', async () => {
    expect((await ds.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    expect((await ds.query(`SELECT name FROM rm_migrations`)).map((r: { name: string }) => r.name)).toEqual([
      'InitialReadModels1764300000000',
      'TemporalReadModels1764400000000',
      'ItemListIndexes1764500000000',
      'TemporalSnapshots1764600000000',
      'PackedCounters1764700000000',
      'TemporalListByEnd1764800000000',
      'ItemListCoveringIndexes1764900000000',
      'ItemLiveDecisions1765000000000',
      'TemporalEpochsByEvents1765100000000',
      'Accounts1765300000000',
      'Notifications1765400000000',
      'NotificationsRetention1765450000000',
      'TemporalUnitIndexes1765520000000',
      'UnitPathBytes1765530000000',
      'CounterSnapshotEpoch1765540000000',
      'CounterSnapshotDeltas1765550000000',
    ]);
    // Opening again runs nothing twice.
    const again = await openReadModels({ dataDir: dir, readDbUrl: null });
    expect((await again.query(`SELECT COUNT(*) AS n FROM rm_migrations`))[0].n).toBe(16);
    await again.destroy();
  });

  it('commits a batch and its checkpoint together: a failure mid-batch leaves both unchanged', async () => {
    await script.unit('C', '湟源县委', null, 'county_committee');
    await caughtUp();
    const before = await dumpReadModels(ds);
    const checkpoint = await queries.checkpoint();
    expect(checkpoint).toBe(1n);

    // One batch: a unit and a cadre (written first), then an item the items table refuses (NOT NULL).
    await projector.stop();
    await script.unit('T1', '和平乡党委', 'C', 'township_committee');
    await script.cadre('K1', '张三', 'T1');
    await script.append('ItemAssigned', { itemId: 'bad', sheetId: 's1', unitId: 'T1', cadreId: 'K1', dueDate: '2026-03-05' } as never);
    projector = await startProjector(ds, store, { batchSize: 100 });
    // The batch's own failure as an Error of this realm: better-sqlite3 builds its SqliteError in the realm of
    // the first suite that loaded it, no Error to a later suite in the same process (jest runs in band on 2 cores).
    await expect(projector.done).rejects.toThrow(QueryFailedError);
    await expect(projector.done).rejects.toThrow(/NOT NULL constraint failed: rm_item\./);
    expect(await queries.checkpoint()).toBe(checkpoint);
    expect(await dumpReadModels(ds)).toEqual(before);
    expect(await currentStateCheckpoint(ds.manager)).toBe(1n);
  });

  it('refuses an event that does not follow its checkpoint', async () => {
    await script.unit('C', '湟源县委', null, 'county_committee');
    await script.unit('T1', '和平乡党委', 'C', 'township_committee');
    await caughtUp();
    await projector.stop();
    await script.unit('T2', '申中乡党委', 'C', 'township_committee');
    await script.unit('T3', '巴燕乡党委', 'C', 'township_committee');
    const [, fourth] = await store.readAll({ after: 2n, limit: 10 });
    await expect(ds.transaction((em) => applyEvents(em, [fourth]))).rejects.toThrow(/behind|handed position 4/);
    expect(await queries.checkpoint()).toBe(2n);
  });

  it('from a store whose positions only increase (contiguous: false), takes a gap but refuses a batch out of order', async () => {
    await script.unit('C', '湟源县委', null, 'county_committee');
    await script.unit('T1', '和平乡党委', 'C', 'township_committee');
    await caughtUp();
    await projector.stop();
    await script.unit('T2', '申中乡党委', 'C', 'township_committee');
    await script.unit('T3', '巴燕乡党委', 'C', 'township_committee');
    const [third, fourth] = await store.readAll({ after: 2n, limit: 10 });
    await expect(ds.transaction((em) => applyEvents(em, [fourth, third], { contiguous: false }))).rejects.toThrow(/read models at 4 were handed position 3/);
    expect(await queries.checkpoint()).toBe(2n);
    expect(await ds.transaction((em) => applyEvents(em, [fourth], { contiguous: false }))).toBe(4n);
    expect(await queries.unit('T3')).toMatchObject({ name: '巴燕乡党委' });
    expect(await queries.unit('T2')).toBeNull();
  });
});
