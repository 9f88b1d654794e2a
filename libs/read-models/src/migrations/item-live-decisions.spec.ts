import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { openReadModels } from '../data-source';
import { startProjector, type RunningProjector } from '..';
import { ensureTemporalPosition } from '../checkpoint/checkpoints';
import { EventScript } from '../testing/county-script';
import { scriptedCounty } from '../testing/scripted-county';
import { OPEN_END } from '../temporal/entities';
import { ItemLiveDecisions1765000000000 } from './1765000000000-item-live-decisions';

/**
 * Read models projected before the decisions in force were kept in the item rows: the migration fills
 * them from the register, so that a revocation after the upgrade still counts, in both folds.
 */
describe('migration ItemLiveDecisions1765000000000 on read models projected before it', () => {
  let dir: string;
  let store: EventStore;
  let ds: DataSource | null = null;
  let projector: RunningProjector | null = null;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-live-decisions-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
  });

  afterEach(async () => {
    await projector?.stop();
    await ds?.destroy();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const project = async (): Promise<void> => {
    ds = await openReadModels({ dataDir: dir, readDbUrl: null });
    projector = await startProjector(ds, store, { batchSize: 7 });
    const head = await store.headPosition();
    expect(await projector.waitFor(head, 10_000)).toBe(true);
    await ensureTemporalPosition(ds, head, 10_000);
  };
  const close = async (): Promise<void> => {
    await projector!.stop();
    projector = null;
    await ds!.destroy();
    ds = null;
  };
  const i1 = async () => ({
    current: (await ds!.query(`SELECT "accountabilityCount", "liveDecisionIds" FROM "rm_item" WHERE "id" = 'I1'`))[0],
    temporal: (await ds!.query(`SELECT "accountabilityCount", "liveDecisionIds" FROM "rm_t_item" WHERE "itemId" = 'I1' AND "toPosition" = ?`, [OPEN_END]))[0],
  });

  it('fills the decisions in force of current rows and open versions; a later revocation counts in both', async () => {
    const script = new EventScript(store);
    await scriptedCounty(script); // I1: D1 in force, D2 revoked
    await project();
    // As the schema stood before the migration.
    const runner = ds!.createQueryRunner();
    await new ItemLiveDecisions1765000000000().down(runner);
    await runner.release();
    await ds!.query(`DELETE FROM "rm_migrations" WHERE "name" = 'ItemLiveDecisions1765000000000'`);
    await close();

    await project();
    const filled = { accountabilityCount: 1, liveDecisionIds: '["D1"]' };
    expect(await i1()).toEqual({ current: filled, temporal: filled });
    const others = await ds!.query(`SELECT DISTINCT "liveDecisionIds" FROM "rm_item" WHERE "id" <> 'I1'`);
    expect(others).toEqual([{ liveDecisionIds: '[]' }]);

    await script.append('AccountabilityRevoked', { itemId: 'I1', decisionId: 'D1', reason: '申诉成立', appealOutcome: '撤销' });
    const head = await store.headPosition();
    expect(await projector!.waitFor(head, 10_000)).toBe(true);
    await ensureTemporalPosition(ds!, head, 10_000);
    const none = { accountabilityCount: 0, liveDecisionIds: '[]' };
    expect(await i1()).toEqual({ current: none, temporal: none });
  });
});
