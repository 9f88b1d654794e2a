import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { openReadModels } from '../data-source';
import { rebuildReadModels } from '../rebuild/rebuild';
import { EventScript } from '../testing/county-script';
import type { Figures, ItemPage } from '../views';
import { TemporalQueries } from './queries';
import { COUNTER_LAYOUT } from './counters';

/**
 * As-of answers over a small log whose every position is known, worked out by hand (not by another
 * read of the same tables): the tree of the day (a village moved between townships, an item handed
 * from one township to the other, ids holding LIKE wildcards), figures, children and lists, before and
 * after the midpoint of the log (the list reads its versions by their start before it, by their end
 * after it). On SQLite and on PostgreSQL, from a rebuild.
 */
const TODAY = '2026-03-10';

async function writeLog(script: EventScript): Promise<number> {
  await script.unit('C', '县委', null, 'county_committee'); // 1
  await script.unit('T1', '和平乡', 'C', 'township_committee'); // 2
  await script.unit('T2', '申中乡', 'C', 'township_committee'); // 3
  await script.unit('V1', '茶曲村', 'T1'); // 4
  await script.unit('G_1%', '党小组', 'T2'); // 5: '_' and '%' must stay literal
  await script.unit('GA1%', '另一党小组', 'T2'); // 6: what 'G_1%' would match as a LIKE pattern
  await script.cadre('K1', '张三', 'V1'); // 7
  await script.sheet('s1', '湟组交〔2026〕1号'); // 8
  await script.assign('I1', 'V1', 'K1', '2026-03-05'); // 9: overdue on TODAY
  await script.assign('I2', 'G_1%', 'K1', '2026-03-20'); // 10
  await script.assign('I3', 'T2', 'K1', '2026-03-12'); // 11: due within 3 days
  await script.assign('I4', 'GA1%', 'K1', '2026-03-09'); // 12: overdue
  await script.append('UnitMoved', { unitId: 'V1', parentId: 'T2', previousParentId: 'T1' }); // 13
  await script.report('I1'); // 14: awaiting review, still open
  await script.append('ItemReassigned', { itemId: 'I3', unitId: 'T1', cadreId: 'K1', previousUnitId: 'T2', previousCadreId: 'K1', reason: '属地调整' }); // 15
  for (let k = 2; k <= 11; k++) await script.cadre(`K${k}`, `干部${k}`, 'T1'); // 16-25: the log's second half
  return Number(await script.store.headPosition());
}

function figures(counts: Partial<Figures>): Figures {
  return { total: 0, open: 0, overdue: 0, dueSoon: 0, awaitingReview: 0, concluded: 0, struckOff: 0, withdrawn: 0, closureRate: 0, onTimeRate: 0, ...counts };
}

const ids = (page: ItemPage) => ({ items: page.items.map((i) => i.id), total: page.total });

describe.each(['sqlite', 'postgres'] as const)('as-of answers over a hand-worked log (%s)', (engine) => {
  let dir: string;
  let store: EventStore;
  let pg: TestPostgres | undefined;
  let ds: DataSource;
  let q: TemporalQueries;
  const at = (position: number) => ({ position, day: TODAY });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-temporal-queries-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    expect(await writeLog(new EventScript(store))).toBe(25);
    if (engine === 'postgres') pg = await startTestPostgres();
    ds = await openReadModels({ dataDir: dir, readDbUrl: pg ? await createTestDatabase(pg.serverUrl) : null });
    await rebuildReadModels(ds, store);
    q = new TemporalQueries(ds, { dueSoonDays: 3 });
  }, 120_000);

  afterAll(async () => {
    await ds?.destroy();
    await store?.close();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('before a unit existed: no figures, no children, an empty list', async () => {
    expect(await q.unitFigures('V1', true, at(3))).toBeNull();
    expect(await q.childrenFigures('V1', at(3))).toBeNull();
    expect(ids(await q.listItems({ unitId: 'V1', subtree: true }, at(3)))).toEqual({ items: [], total: 0 });
    expect(await q.unitFigures('nowhere', true, at(25))).toBeNull();
  });

  it('early in the log (position 12): the tree before the move', async () => {
    const cut = at(12);
    expect(await q.unitFigures('T1', true, cut)).toEqual(figures({ total: 1, open: 1, overdue: 1 }));
    expect(await q.unitFigures('T2', true, cut)).toEqual(figures({ total: 3, open: 3, overdue: 1, dueSoon: 1 }));
    expect(await q.unitFigures('T2', false, cut)).toEqual(figures({ total: 1, open: 1, dueSoon: 1 }));
    expect(await q.unitFigures('G_1%', true, cut)).toEqual(figures({ total: 1, open: 1 }));
    expect(await q.childrenFigures('C', cut)).toEqual([
      { unitId: 'T1', name: '和平乡', ...figures({ total: 1, open: 1, overdue: 1 }) },
      { unitId: 'T2', name: '申中乡', ...figures({ total: 3, open: 3, overdue: 1, dueSoon: 1 }) },
    ]);
    expect((await q.childrenFigures('T2', cut))?.map((c) => c.unitId)).toEqual(['G_1%', 'GA1%']);
    expect(ids(await q.listItems({ unitId: 'T2', subtree: true }, cut))).toEqual({ items: ['I4', 'I3', 'I2'], total: 3 });
    expect(ids(await q.listItems({ unitId: 'G_1%', subtree: true }, cut))).toEqual({ items: ['I2'], total: 1 });
    expect(ids(await q.listItems({ unitId: 'T1', subtree: true }, cut))).toEqual({ items: ['I1'], total: 1 });
  });

  it('late in the log (positions 13 and 15): the village moved, an item handed over', async () => {
    const moved = at(13);
    expect(await q.unitFigures('T1', true, moved)).toEqual(figures({}));
    expect(await q.unitFigures('T2', true, moved)).toEqual(figures({ total: 4, open: 4, overdue: 2, dueSoon: 1 }));
    expect(await q.childrenFigures('T1', moved)).toEqual([]);
    expect((await q.childrenFigures('T2', moved))?.map((c) => [c.unitId, c.name, c.total])).toEqual([
      ['G_1%', '党小组', 1],
      ['GA1%', '另一党小组', 1],
      ['V1', '茶曲村', 1],
    ]);
    expect(ids(await q.listItems({ unitId: 'T2', subtree: true }, moved))).toEqual({ items: ['I1', 'I4', 'I3', 'I2'], total: 4 });
    expect(ids(await q.listItems({ unitId: 'T2', subtree: true, pageSize: 3, page: 2 }, moved))).toEqual({ items: ['I2'], total: 4 });
    expect(ids(await q.listItems({ unitId: 'T2', subtree: true, pageSize: 3, page: 3 }, moved))).toEqual({ items: [], total: 4 });
    expect(ids(await q.listItems({ unitId: 'T1', subtree: true }, moved))).toEqual({ items: [], total: 0 });

    const handed = at(15);
    expect(await q.unitFigures('T1', true, handed)).toEqual(figures({ total: 1, open: 1, dueSoon: 1 }));
    expect(await q.unitFigures('T2', true, handed)).toEqual(figures({ total: 3, open: 3, overdue: 2, awaitingReview: 1 }));
    expect(ids(await q.listItems({ unitId: 'T2', subtree: true, light: 'red' }, handed))).toEqual({ items: ['I1', 'I4'], total: 2 });
    expect(ids(await q.listItems({ unitId: 'T2', subtree: false }, handed))).toEqual({ items: [], total: 0 });
    // A unit user's subtree as it is now (T1: T1 alone since V1 moved; T2: T2, G_1%, GA1%, V1) confines the handling unit of then.
    expect(ids(await q.listItems({ unitId: 'T2', subtree: true, scopeRootUnitId: 'V1' }, handed))).toEqual({ items: ['I1'], total: 1 });
    expect(ids(await q.listItems({ scopeRootUnitId: 'T1' }, handed))).toEqual({ items: ['I3'], total: 1 });
    expect(ids(await q.listItems({ unitId: 'T2', subtree: true, scopeRootUnitId: 'T1' }, handed))).toEqual({ items: [], total: 0 });
    expect(ids(await q.listItems({ scopeRootUnitId: 'nowhere' }, handed))).toEqual({ items: [], total: 0 });
    // Before the move V1 was under T1, but T2's user sees it: the scope is today's tree, the items those of then.
    expect(ids(await q.listItems({ scopeRootUnitId: 'T2' }, at(12)))).toEqual({ items: ['I1', 'I4', 'I3', 'I2'], total: 4 });
    expect(ids(await q.listItems({ scopeRootUnitId: 'T1' }, at(12)))).toEqual({ items: [], total: 0 });
    expect(await q.unitFigures('C', true, at(25))).toEqual(figures({ total: 4, open: 4, overdue: 2, dueSoon: 1, awaitingReview: 1 }));
  });

  if (engine === 'postgres') {
    it('a rebuild ends by vacuuming the tables it wrote (else the planner reads the whole heap for an as-of list until autovacuum comes)', async () => {
      // last_vacuum is a VACUUM run by a session (autovacuum sets last_autovacuum): these tables are new, so it is the rebuild's.
      const rows: { relname: string; vacuumed: boolean }[] = await ds.query(
        `SELECT relname, last_vacuum IS NOT NULL AS vacuumed FROM pg_stat_user_tables WHERE relname IN ('rm_item', 'rm_t_item', 'rm_t_unit', 'rm_t_counter_change') ORDER BY relname`,
      );
      expect(rows).toEqual([
        { relname: 'rm_item', vacuumed: true },
        { relname: 'rm_t_counter_change', vacuumed: true },
        { relname: 'rm_t_item', vacuumed: true },
        { relname: 'rm_t_unit', vacuumed: true },
      ]);
    });

    it('a subtree (of the day, or of now) is a range over an index of the paths in byte order, kept through a rebuild', async () => {
      const rows: { indexname: string; indexdef: string }[] = await ds.query(
        `SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN ('ix_rm_t_unit_path', 'ix_rm_unit_path_c') ORDER BY indexname`,
      );
      expect(rows.map((r) => [r.indexname, r.indexdef.slice(r.indexdef.indexOf('('))])).toEqual([
        ['ix_rm_t_unit_path', '(path COLLATE "C", "fromPosition", "toPosition", "unitId")'],
        ['ix_rm_unit_path_c', '(path COLLATE "C", id)'],
      ]);
    });
  }
});

/**
 * Cuts named by their instant (PostgreSQL looks the position up in the answer's own statement): a
 * province of two counties whose township moves from one to the other, every group of events recorded
 * at an instant of its own, with epochs of 4 events and a snapshot every 2 epochs, so that the figures
 * come from a snapshot, epoch rows and change rows, forward and backward (position 7: the snapshot after
 * event 8 less change row 8; 12: snapshot 8 and epoch 9–12). Worked out by hand.
 */
describe.each(['sqlite', 'postgres'] as const)('as-of answers at an instant, a township moved between counties (%s)', (engine) => {
  const saved = { ...COUNTER_LAYOUT };
  const T1 = '2026-03-01T09:00:00+08:00';
  const T2 = '2026-03-02T09:00:00+08:00';
  const T3 = '2026-03-03T09:00:00+08:00';
  const T4 = '2026-03-04T09:00:00+08:00';
  let dir: string;
  let store: EventStore;
  let pg: TestPostgres | undefined;
  let ds: DataSource;
  let q: TemporalQueries;
  const at = (instant: string, deltaMs = 0) => ({ instantMs: Date.parse(instant) + deltaMs, day: TODAY });

  beforeAll(async () => {
    Object.assign(COUNTER_LAYOUT, { epochSize: 4, snapshotEpochs: 2 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-temporal-instants-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    const script = new EventScript(store);
    script.at = T1;
    await script.unit('P', '省委', null, 'province_committee'); // 1
    await script.unit('CA', '甲县', 'P', 'county_committee'); // 2
    await script.unit('CB', '乙县', 'P', 'county_committee'); // 3
    await script.unit('TA', '甲乡', 'CA', 'township_committee'); // 4
    await script.unit('TB', '乙乡', 'CB', 'township_committee'); // 5
    await script.cadre('K1', '张三', 'TA'); // 6
    await script.sheet('s1', '湟组交〔2026〕1号'); // 7
    script.at = T2;
    await script.assign('I1', 'TA', 'K1', '2026-03-20'); // 8: open on TODAY
    await script.assign('I2', 'TB', 'K1', '2026-03-05'); // 9: overdue on TODAY
    script.at = T3;
    await script.append('UnitMoved', { unitId: 'TA', parentId: 'CB', previousParentId: 'CA' }); // 10: I1 goes with it
    script.at = T4;
    await script.assign('I3', 'CA', 'K1', '2026-03-06'); // 11: overdue
    await script.unit('TC', '丙乡', 'CA', 'township_committee'); // 12
    expect(Number(await script.store.headPosition())).toBe(12);
    if (engine === 'postgres') pg = await startTestPostgres();
    ds = await openReadModels({ dataDir: dir, readDbUrl: pg ? await createTestDatabase(pg.serverUrl) : null });
    await rebuildReadModels(ds, store);
    // Epochs of 4 events: three closed, a snapshot after the second (events 1-8).
    expect(Number((await ds.query(`SELECT COUNT(*) AS n FROM "rm_t_counter_snapshot" WHERE "epoch" = 2`))[0].n)).toBeGreaterThan(0);
    q = new TemporalQueries(ds, { dueSoonDays: 3 });
  }, 120_000);

  afterAll(async () => {
    Object.assign(COUNTER_LAYOUT, saved);
    await ds?.destroy();
    await store?.close();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('before the first event: nothing existed (no figures, no children, an empty list)', async () => {
    const before = at(T1, -1);
    expect(await q.unitFigures('P', true, before)).toBeNull();
    expect(await q.childrenFigures('P', before)).toBeNull();
    expect(ids(await q.listItems({ unitId: 'P', subtree: true }, before))).toEqual({ items: [], total: 0 });
    expect(ids(await q.listItems({}, before))).toEqual({ items: [], total: 0 });
  });

  it('exactly at an instant its events are in; a millisecond before, they are not', async () => {
    const exactly = at(T2); // positions 1-9
    expect(await q.unitFigures('P', true, exactly)).toEqual(figures({ total: 2, open: 2, overdue: 1 }));
    expect(await q.unitFigures('CA', true, exactly)).toEqual(figures({ total: 1, open: 1 }));
    expect(await q.unitFigures('CB', true, exactly)).toEqual(figures({ total: 1, open: 1, overdue: 1 }));
    expect(await q.childrenFigures('P', exactly)).toEqual([
      { unitId: 'CB', name: '乙县', ...figures({ total: 1, open: 1, overdue: 1 }) },
      { unitId: 'CA', name: '甲县', ...figures({ total: 1, open: 1 }) },
    ]);
    expect(ids(await q.listItems({ unitId: 'P', subtree: true }, exactly))).toEqual({ items: ['I2', 'I1'], total: 2 });
    const justBefore = at(T2, -1); // positions 1-7
    expect(await q.unitFigures('P', true, justBefore)).toEqual(figures({}));
    expect(await q.unitFigures('CA', true, justBefore)).toEqual(figures({}));
    expect(ids(await q.listItems({ unitId: 'P', subtree: true }, justBefore))).toEqual({ items: [], total: 0 });
  });

  it('between two instants: the township under the other county, its item with it', async () => {
    const moved = at(T3, 6 * 3600_000); // positions 1-10
    expect(await q.unitFigures('CA', true, moved)).toEqual(figures({}));
    expect(await q.unitFigures('CB', true, moved)).toEqual(figures({ total: 2, open: 2, overdue: 1 }));
    expect(await q.unitFigures('CB', false, moved)).toEqual(figures({}));
    expect(await q.unitFigures('P', true, moved)).toEqual(figures({ total: 2, open: 2, overdue: 1 }));
    expect(await q.childrenFigures('CA', moved)).toEqual([]);
    expect(await q.childrenFigures('CB', moved)).toEqual([
      { unitId: 'TB', name: '乙乡', ...figures({ total: 1, open: 1, overdue: 1 }) },
      { unitId: 'TA', name: '甲乡', ...figures({ total: 1, open: 1 }) },
    ]);
    expect(ids(await q.listItems({ unitId: 'CB', subtree: true }, moved))).toEqual({ items: ['I2', 'I1'], total: 2 });
    expect(ids(await q.listItems({ unitId: 'CB', subtree: true, pageSize: 1, page: 2 }, moved))).toEqual({ items: ['I1'], total: 2 });
    expect(ids(await q.listItems({ unitId: 'CB', subtree: true, pageSize: 1, page: 3 }, moved))).toEqual({ items: [], total: 2 });
    expect(ids(await q.listItems({ unitId: 'CA', subtree: true }, moved))).toEqual({ items: [], total: 0 });
    // Before the move (positions 1-9) the same township was the first county's.
    expect(ids(await q.listItems({ unitId: 'CA', subtree: true }, at(T3, -1)))).toEqual({ items: ['I1'], total: 1 });
  });

  it('a unit that did not exist at the instant has no figures (the routes answer UNIT_NOT_FOUND); from its instant on it has', async () => {
    expect(await q.unitFigures('TC', true, at(T4, -1))).toBeNull();
    expect(await q.childrenFigures('TC', at(T4, -1))).toBeNull();
    expect(await q.unitFigures('nowhere', true, at(T4))).toBeNull();
    expect(await q.unitFigures('TC', true, at(T4))).toEqual(figures({}));
    expect(await q.unitFigures('CA', true, at(T4))).toEqual(figures({ total: 1, open: 1, overdue: 1 }));
    expect((await q.childrenFigures('CA', at(T4)))?.map((c) => [c.unitId, c.total])).toEqual([['TC', 0]]);
    expect(await q.unitFigures('P', true, at(T4))).toEqual(figures({ total: 3, open: 3, overdue: 2 }));
  });
});
