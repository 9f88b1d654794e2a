/**
 * A unit user high in a province's tree asks about the past. Their scope (the subtree of their unit as it
 * is now) was sent to the database as one bound value per unit, and a province committee's subtree is
 * larger than either engine takes (SQLite 32,766 values, PostgreSQL 65,535; the 100-county province has
 * 96,301 units): the as-of list and the inspection figures answered 500. Here a county holds 66,000
 * branches; its users, the province's and another county's each get exactly the items of their subtree.
 */
import { EVENT_STORE } from '../apps/api/src/platform/tokens';
import type { EventStore } from '@ledger/event-store';
import { EventScript } from '@ledger/read-models/testing/county-script';
import { startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { startLedger, type Ledger } from './support/ledger';

/** More branches than PostgreSQL's bound parameters (65,535), and so than SQLite's (32,766). */
const BRANCHES = 66_000;

describe.each(['sqlite', 'postgres'] as const)('as-of answers for a unit user whose subtree is a province-sized tree (%s)', (engine) => {
  let pg: TestPostgres | undefined;
  let ledger: Ledger;
  let head: string;

  beforeAll(async () => {
    if (engine === 'postgres') pg = await startTestPostgres();
    ledger = await startLedger({ engine, postgres: pg });
    const org = ledger.as('org_dept');
    await org.post('/units', { id: 'P', name: '青海省委', kind: 'province_committee' }, 201);
    await org.post('/units', { id: 'C1', name: '湟源县委', kind: 'county_committee', parentId: 'P' }, 201);
    await org.post('/units', { id: 'C2', name: '湟中县委', kind: 'county_committee', parentId: 'P' }, 201);
    await org.post('/units', { id: 'T1', name: '和平乡党委', kind: 'township_committee', parentId: 'C1' }, 201);
    // The branches go straight into the store, as the command side writes them (66,000 commands would take minutes).
    const script = new EventScript(ledger.app.get<EventStore>(EVENT_STORE));
    script.at = ledger.clock.now().toISOString();
    for (let i = 0; i < BRANCHES; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, BRANCHES - i) }, (_, j) => script.unit(`B${i + j}`, `第${i + j}党支部`, 'T1')));
    }
    const deep = `B${BRANCHES - 1}`;
    await org.post('/cadres', { id: 'K1', name: '张三', unitId: deep, post: '书记' }, 201);
    await org.post('/cadres', { id: 'K2', name: '李四', unitId: 'C2', post: '书记' }, 201);
    await org.post('/sheets', { id: 's1', number: '青组交〔2026〕1号', title: '基层党建任务', issuedOn: '2026-03-02' }, 201);
    const item = (id: string, unitId: string, cadreId: string) =>
      org.post('/items', { id, sheetId: 's1', title: `事项${id}`, requirements: '按时完成', unitId, cadreId, dueDate: '2026-06-30' }, 201);
    await item('I1', deep, 'K1');
    await item('I2', 'C2', 'K2');
    // A day later: asking about the first day is asking the temporal read models, not the current state.
    ledger.setDay('2026-03-03');
    await org.post('/cadres', { id: 'K3', name: '王五', unitId: 'C2', post: '副书记' }, 201);
    head = ledger.position;
    // The projector works through the 66,000 registrations (minutes on PostgreSQL at load); each probe waits 5 s itself.
    const deadline = Date.now() + 480_000;
    while ((await ledger.as('org_dept').get('/inspection/figures')).status !== 200) {
      if (Date.now() > deadline) throw new Error(`the temporal read models did not reach position ${head}`);
    }
  }, 600_000);

  afterAll(async () => {
    await ledger?.close();
    await pg?.stop();
  });

  /** 10:00 county time on the first day: after the items were assigned, before the day the ledger is at. */
  const asOf = () => encodeURIComponent('2026-03-02T02:00:00.000Z');
  const listed = async (unitId: string) => {
    const res = await ledger.as('unit', unitId).get(`/items?asOf=${asOf()}&pageSize=50`, 200, { minPosition: head });
    return { ids: (res.body.items as { id: string }[]).map((i) => i.id).sort(), total: res.body.total };
  };

  it('lists exactly the items of the user subtree, however many units it holds', async () => {
    expect(await listed('C1')).toEqual({ ids: ['I1'], total: 1 });
    expect(await listed('P')).toEqual({ ids: ['I1', 'I2'], total: 2 });
    expect(await listed('C2')).toEqual({ ids: ['I2'], total: 1 });
    expect(await listed('B0')).toEqual({ ids: [], total: 0 });
  });

  it('counts the inspection figures of the user subtree only, from every event up to the position asked', async () => {
    const assigned = async (unitId: string) => (await ledger.as('unit', unitId).get('/inspection/figures', 200, { minPosition: head })).body.assigned;
    // With minPosition, the figures wait for the temporal read models (which follow the current state) to hold it.
    expect((await ledger.as('org_dept').get('/inspection/figures', 200, { minPosition: head })).body.assigned).toBe(2);
    expect(await assigned('C1')).toBe(1);
    expect(await assigned('P')).toBe(2);
    expect(await assigned('C2')).toBe(1);
  });
});
