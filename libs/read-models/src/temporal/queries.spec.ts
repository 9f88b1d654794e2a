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
    // A unit user's subtree as it is now confines the handling unit of then.
    expect(ids(await q.listItems({ unitId: 'T2', subtree: true, scopeUnitIds: ['T1', 'V1'] }, handed))).toEqual({ items: ['I1'], total: 1 });
    expect(ids(await q.listItems({ scopeUnitIds: ['T1'] }, handed))).toEqual({ items: ['I3'], total: 1 });
    expect(ids(await q.listItems({ unitId: 'T2', subtree: true, scopeUnitIds: ['T1'] }, handed))).toEqual({ items: [], total: 0 });
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
