import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { openReadModels } from './data-source';
import { ReadQueries } from './queries';
import { rebuildReadModels, startProjector, type RunningProjector } from '.';
import { EventScript } from './testing/county-script';
import { scriptedCounty } from './testing/scripted-county';
import { dumpReadModels } from './testing/dump';

/** The read models on PostgreSQL answer exactly what they answer on SQLite, from the same log. */
describe('read models on PostgreSQL', () => {
  let pg: TestPostgres;
  let dir: string;
  let store: EventStore;
  const opened: DataSource[] = [];
  const projectors: RunningProjector[] = [];

  beforeAll(async () => {
    pg = await startTestPostgres();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-pg-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
  }, 120_000);

  afterAll(async () => {
    for (const p of projectors) await p.stop();
    for (const ds of opened) await ds.destroy();
    await store?.close();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function live(readDbUrl: string | null): Promise<{ ds: DataSource; q: ReadQueries }> {
    const ds = await openReadModels({ dataDir: path.join(dir, readDbUrl ? 'pg' : 'sqlite'), readDbUrl });
    opened.push(ds);
    projectors.push(await startProjector(ds, store, { batchSize: 4 }));
    return { ds, q: new ReadQueries(ds, { dueSoonDays: 3 }) };
  }

  it('gives the same answers as SQLite, and a rebuild gives the same rows as the live projector', async () => {
    const sqlite = await live(null);
    const postgres = await live(await createTestDatabase(pg.serverUrl));
    // The migrations build exactly the schema the entities describe, on PostgreSQL too.
    expect((await postgres.ds.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    const script = new EventScript(store);
    await scriptedCounty(script);
    await script.append('UnitMoved', { unitId: 'V2', parentId: 'T2', previousParentId: 'T1' });
    await script.unit('G_1%', '党小组', 'V2', 'party_group'); // LIKE wildcards in an id stay literal
    await script.assign('I9', 'G_1%', 'K2', '2026-03-11');
    const head = await store.headPosition();
    for (const side of [sqlite, postgres]) expect(await side.q.waitForPosition(head, 20_000)).toBe(true);

    const today = '2026-03-10';
    const ask = (q: ReadQueries) =>
      Promise.all([
        q.units(),
        q.unitsOf('T2'),
        q.isInSubtree('G_1%', 'T2'),
        q.isInSubtree('V1', 'T2'),
        q.unitFigures('T1', true, today),
        q.unitFigures('T2', true, today),
        q.unitFigures('V1', false, today),
        q.childrenFigures('C', today),
        q.cadreFigures('K1', today),
        q.cadresFigures({ unitId: 'T2' }, today),
        q.listItems({ light: 'red' }, today),
        q.listItems({ unitId: 'T2', sort: '-dueDate', pageSize: 2, page: 2 }, today),
        q.listItems({ scopeRootUnitId: 'V2', status: ['assigned', 'reported', 'concluded'] }, today),
        q.listItems({ unitId: 'G_1', subtree: true }, today),
        q.item('I1', today),
        q.register({ targetKind: 'cadre', from: '2026-03-01' }),
        q.cadres({ unitId: 'T2' }),
        q.checkpoint(),
      ]);
    const answers = await ask(postgres.q);
    expect(answers).toEqual(await ask(sqlite.q));
    expect((answers[5] as { total: number }).total).toBe(5);

    // The dump holds the temporal read models too, which follow the checkpoint waited for above.
    for (const p of projectors) expect(await p.waitFor(head, 20_000)).toBe(true);
    const liveRows = await dumpReadModels(postgres.ds);
    const rebuilt = await openReadModels({ dataDir: dir, readDbUrl: await createTestDatabase(pg.serverUrl) });
    opened.push(rebuilt);
    await rebuildReadModels(rebuilt, store, { batchSize: 6 });
    expect(await dumpReadModels(rebuilt)).toEqual(liveRows);
  }, 120_000);
});
