import { dumpReadModels } from '../testing/dump';
import { useEngineBench } from '../testing/engine-bench';
import { OPEN_END } from '../temporal/entities';
import { currentStateCheckpoint, temporalCheckpoint } from '../checkpoint/checkpoints';
import { applyEvents } from './current-state';
import { applyTemporalEvents } from './temporal';
import { applyBoth } from './runner';

/**
 * A live batch that takes both projections in one transaction (applyBoth: one read, the writes sent
 * together on PostgreSQL) leaves exactly the rows of the same events applied one per transaction,
 * each projection on its own, as the projector did before: a version closed and reopened several
 * times in the batch, a unit moved under an item, an item handed over to another unit, an epoch closed.
 */
describe.each(['sqlite', 'postgres'] as const)('both projections in one batch (%s)', (engine) => {
  // Epochs of 4 events: the batch closes two of them.
  const bench = useEngineBench(
    engine,
    { epochSize: 4, snapshotEpochs: 2 },
    async (s) => {
      await s.unit('X', '湟源县委', null, 'county_committee'); // 1
      await s.unit('T1', '和平乡党委', 'X', 'township_committee'); // 2
      await s.unit('T2', '申中乡党委', 'X', 'township_committee'); // 3
      await s.unit('V1', '茶曲村党支部', 'T1'); // 4
      await s.unit('V2', '大华村党支部', 'T2'); // 5
      await s.cadre('K1', '张三', 'V1'); // 6
      await s.cadre('K2', '李四', 'V2'); // 7
      await s.sheet('s1', '湟组交〔2026〕1号'); // 8
      await s.assign('I1', 'V1', 'K1', '2026-03-20'); // 9
      await s.acknowledge('I1', 'V1'); // 10
      await s.append('UnitMoved', { unitId: 'V1', parentId: 'T2', previousParentId: 'T1' }); // 11
      await s.append('ItemReassigned', { itemId: 'I1', unitId: 'V2', cadreId: 'K2', previousUnitId: 'V1', previousCadreId: 'K1', reason: '调整' }); // 12
      await s.report('I1'); // 13
      await s.returnIt('I1'); // 14
      await s.urge('I1', 'reminder'); // 15
    },
    120_000,
  );

  it('writes, in one batch, the rows of one event per transaction; the item versions and the moved unit as worked out by hand', async () => {
    const all = await bench.store.readAll({ after: 0n, limit: 1000 });
    expect(all.map((e) => Number(e.position))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const one = await bench.open('one-per-batch');
    for (const e of all) {
      await one.transaction((em) => applyEvents(em, [e]));
      await one.transaction((em) => applyTemporalEvents(em, [e]));
    }
    const batched = await bench.open('one-batch');
    // The tree and the item's start, then the rest (moves, hand-over, closes and reopens) in one batch.
    expect(await batched.transaction((em) => applyBoth(em, all.slice(0, 8)))).toBe(8n);
    expect(await batched.transaction((em) => applyBoth(em, all.slice(8)))).toBe(15n);
    // Replayed: skipped by both projections, nothing written twice.
    expect(await batched.transaction((em) => applyBoth(em, all.slice(10)))).toBe(15n);
    expect(await currentStateCheckpoint(batched)).toBe(15n);
    expect(await temporalCheckpoint(batched)).toBe(15n);

    expect(await dumpReadModels(batched)).toEqual(await dumpReadModels(one));

    // By hand: one version of I1 per event of its stream, each ended by the next; the hand-over at 12
    // moves it to V2; V1 has the version of its registration (path under T1) ended by the move at 11.
    const versions = (await batched.query(`SELECT "itemId", "fromPosition", "toPosition", "unitId", "status" FROM "rm_t_item" ORDER BY "fromPosition"`)).map(
      (r: Record<string, unknown>) => [r.itemId, Number(r.fromPosition), Number(r.toPosition), r.unitId, r.status],
    );
    expect(versions).toEqual([
      ['I1', 9, 10, 'V1', 'assigned'],
      ['I1', 10, 12, 'V1', 'in_progress'],
      ['I1', 12, 13, 'V2', 'in_progress'],
      ['I1', 13, 14, 'V2', 'reported'],
      ['I1', 14, 15, 'V2', 'in_progress'],
      ['I1', 15, OPEN_END, 'V2', 'in_progress'],
    ]);
    const v1 = (await batched.query(`SELECT "fromPosition", "toPosition", "path" FROM "rm_t_unit" WHERE "unitId" = 'V1' ORDER BY "fromPosition"`)).map(
      (r: Record<string, unknown>) => [Number(r.fromPosition), Number(r.toPosition), r.path],
    );
    expect(v1).toEqual([
      [4, 11, '/X/T1/V1/'],
      [11, OPEN_END, '/X/T2/V1/'],
    ]);
    // 15 events in epochs of 4: three closed, the fourth holds three.
    const epochs = (await batched.query(`SELECT "epoch", "events", "lastPosition" FROM "rm_t_epoch" ORDER BY "epoch"`)).map((r: Record<string, unknown>) =>
      [r.epoch, r.events, r.lastPosition].map(Number),
    );
    expect(epochs).toEqual([
      [0, 4, 4],
      [1, 4, 8],
      [2, 4, 12],
      [3, 3, 15],
    ]);
  }, 120_000);
});
