import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { In, type DataSource, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { openReadModels } from '../data-source';
import { rebuildReadModels } from '..';
import { EventScript } from '../testing/county-script';
import { RandomCounty } from '../testing/random-county';
import { ItemRow } from '../items/item.entity';
import { CadreRow } from '../cadres/cadre.entity';
import { SheetRow } from '../sheets/sheet.entity';
import { UnitRow } from '../units/unit.entity';
import { AccountabilityDecisionRow } from '../register/accountability-decision.entity';
import { loadRows } from './load-rows';

/** The projector's prepared-statement load answers the rows TypeORM's repository answers, column for column. */
describe('loadRows', () => {
  let dir: string;
  let store: EventStore;
  let ds: DataSource;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-load-rows-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    ds = await openReadModels({ dataDir: dir, readDbUrl: null });
    const county = new RandomCounty(new EventScript(store), 5);
    for (let i = 0; i < 300; i++) await county.step();
    await rebuildReadModels(ds, store, { batchSize: 100 });
  });

  afterAll(async () => {
    await ds.destroy();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, EntityTarget<ObjectLiteral>, string][] = [
    ['items', ItemRow, 'id'],
    ['cadres', CadreRow, 'id'],
    ['sheets', SheetRow, 'id'],
    ['units', UnitRow, 'id'],
    ['accountability decisions', AccountabilityDecisionRow, 'decisionId'],
  ];

  it.each(cases)('%s: every stored row as the repository hydrates it, a missing id left out', async (_name, entity, key) => {
    const all = await ds.getRepository(entity).find();
    expect(all.length).toBeGreaterThan(0);
    const ids = [...all.map((r) => String(r[key])), 'no-such-id'];
    const byKey = (a: ObjectLiteral, b: ObjectLiteral) => String(a[key]).localeCompare(String(b[key]));
    const expected = (await ds.getRepository(entity).findBy({ [key]: In(ids) })).map((r) => ({ ...r })).sort(byKey);
    const loaded = await ds.transaction((em) => loadRows(em, entity, key, ids, 7));
    expect(loaded.sort(byKey)).toEqual(expected);
    // Booleans stay booleans and JSON stays parsed: the same types, not only equal-looking values.
    for (let i = 0; i < expected.length; i++) for (const k of Object.keys(expected[i])) expect(typeof loaded[i][k]).toBe(typeof expected[i][k]);
  });
});
