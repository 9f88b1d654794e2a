import { rebuildReadModels, startProjector } from '..';
import { RandomCounty } from '../testing/random-county';
import { dumpReadModels } from '../testing/dump';
import { useEngineBench } from '../testing/engine-bench';
import { TemporalQueries } from '../temporal/queries';

/**
 * A rebuild (rows folded in memory, loaded with COPY on PostgreSQL, a move's unit counters kept in
 * memory) ends with exactly the rows the live projector wrote batch by batch from the same log, on
 * both engines, whatever its batch sizes; and an as-of figure across a move is the one worked out by hand.
 */
describe.each(['sqlite', 'postgres'] as const)('a rebuild against the live projector (%s)', (engine) => {
  // Epochs of 8 events and a snapshot every 3: the log below closes dozens of each, moves among them.
  const bench = useEngineBench(engine, { epochSize: 8, snapshotEpochs: 3 }, async (script) => {
    // Positions 1–10, worked out by hand below.
    await script.unit('X', '湟源县委', null, 'county_committee'); // 1
    await script.unit('XT1', '和平乡党委', 'X', 'township_committee'); // 2
    await script.unit('XT2', '申中乡党委', 'X', 'township_committee'); // 3
    await script.unit('XV1', '茶曲村\t党支部', 'XT1'); // 4: a tab in a name (COPY's delimiter)
    await script.cadre('XK1', '张三', 'XV1'); // 5
    await script.sheet('xs1', '湟组交〔2026〕1号'); // 6
    await script.assign('XI1', 'XV1', 'XK1', '2026-03-05', 'xs1'); // 7: overdue on 2026-03-10
    await script.append('ItemAssigned', {
      // 8: what COPY's text format escapes, and its null marker written out
      itemId: 'XI2',
      sheetId: 'xs1',
      title: 'a\tb\nc\\d \\N "q"',
      requirements: 'line\r\nnext\\',
      unitId: 'XV1',
      supportUnitIds: ['XT2'],
      cadreId: 'XK1',
      leaderId: null,
      dueDate: '2026-03-20',
    });
    await script.append('UnitMoved', { unitId: 'XV1', parentId: 'XT2', previousParentId: 'XT1' }); // 9
    await script.assign('XI3', 'XT1', 'XK1', '2026-03-11', 'xs1'); // 10: due soon on 2026-03-10
    const county = new RandomCounty(script, 23);
    for (let i = 0; i < 400; i++) await county.step();
  });

  it('has every read-model table equal, row for row, to the live projector; as-of figures across a move as worked out by hand', async () => {
    const store = bench.store;
    const all = await store.readAll({ after: 0n, limit: 100_000 });
    expect(all.filter((e) => e.type === 'UnitMoved').length).toBeGreaterThan(5);
    const head = await store.headPosition();

    const live = await bench.open('live');
    const projector = await startProjector(live, store, { batchSize: 7 });
    try {
      expect(await projector.waitFor(head, 60_000)).toBe(true);
    } finally {
      await projector.stop();
    }
    const liveRows = await dumpReadModels(live);
    expect(liveRows.rm_t_counter_snapshot.length).toBeGreaterThan(0);
    expect(liveRows.rm_t_item.length).toBeGreaterThan(200);

    // Small batches: rows written by one flush and changed by a later one, move counters carried
    // from batch to batch (the move at 9 opens the third temporal batch); then the defaults.
    const small = await bench.open('small');
    await rebuildReadModels(small, store, { batchSize: 50, temporalBatchSize: 4 });
    expect(await dumpReadModels(small)).toEqual(liveRows);
    const whole = await bench.open('whole');
    await rebuildReadModels(whole, store);
    expect(await dumpReadModels(whole)).toEqual(liveRows);

    const item = (await whole.query(`SELECT "title", "requirements", "supportUnitIds" FROM "rm_item" WHERE "id" = 'XI2'`))[0];
    expect(item).toEqual({ title: 'a\tb\nc\\d \\N "q"', requirements: 'line\r\nnext\\', supportUnitIds: '["XT2"]' });

    // By hand, on 2026-03-10 (due soon: within 3 days): XI1 (due 03-05) overdue, XI2 (due 03-20)
    // open, both in XV1; at 8 XV1 is under XT1, at 9 it moved under XT2; at 10 XI3 (due 03-11) in XT1 itself.
    const at = new TemporalQueries(small, { dueSoonDays: 3 });
    const figures = async (unitId: string, position: number) => {
      const f = await at.unitFigures(unitId, true, { position, day: '2026-03-10' });
      return f && { total: f.total, open: f.open, overdue: f.overdue, dueSoon: f.dueSoon };
    };
    expect(await figures('XT1', 8)).toEqual({ total: 2, open: 2, overdue: 1, dueSoon: 0 });
    expect(await figures('XT2', 8)).toEqual({ total: 0, open: 0, overdue: 0, dueSoon: 0 });
    expect(await figures('XT1', 9)).toEqual({ total: 0, open: 0, overdue: 0, dueSoon: 0 });
    expect(await figures('XT2', 9)).toEqual({ total: 2, open: 2, overdue: 1, dueSoon: 0 });
    expect(await figures('XT1', 10)).toEqual({ total: 1, open: 1, overdue: 0, dueSoon: 1 });
    expect(await figures('X', 10)).toEqual({ total: 3, open: 3, overdue: 1, dueSoon: 1 });
  }, 300_000);
});
