/**
 * Races on the write side, through the real API on SQLite and PostgreSQL:
 * - two moves at once (A under B, B under A): exactly one lands, and neither the streams nor the read
 *   models ever hold a cycle;
 * - a dissolve sent right after an assignment (or a child's registration), without waiting, is refused;
 * - a unit user whose unit was just moved out of their subtree is refused right after the move.
 * Each race is tried ROUNDS times: before the fixes every one of them let a wrong command through.
 */
import type { StoredEvent } from '@ledger/event-store';
import { startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { EVENT_STORE } from '../apps/api/src/platform/tokens';
import { startLedger, type Engine, type Ledger } from './support/ledger';

const ROUNDS = 25;

/** Parent of every unit, folded by hand from the log's UnitRegistered and UnitMoved. */
async function parentsInStreams(l: Ledger): Promise<Map<string, string | null>> {
  const events: StoredEvent[] = await l.app.get(EVENT_STORE).readAll({ after: 0n, limit: 1_000_000 });
  const parents = new Map<string, string | null>();
  for (const e of events) {
    const d = e.data as { unitId: string; parentId: string | null };
    if (e.type === 'UnitRegistered' || e.type === 'UnitMoved') parents.set(d.unitId, d.parentId);
  }
  return parents;
}

/** The first unit found on a cycle of `parents`, or null. */
function cycleIn(parents: Map<string, string | null>): string | null {
  for (const start of parents.keys()) {
    const seen = new Set<string>();
    for (let u: string | null | undefined = start; u; u = parents.get(u)) {
      if (seen.has(u)) return u;
      seen.add(u);
    }
  }
  return null;
}

async function readModelParents(l: Ledger): Promise<Map<string, string | null>> {
  const rows = await l.readModelsSql('SELECT id, "parentId" FROM rm_unit');
  return new Map(rows.map((r) => [String(r.id), (r.parentId as string | null) ?? null]));
}

function races(engine: Engine, postgres: () => TestPostgres | undefined) {
  let l: Ledger;
  beforeEach(async () => {
    l = await startLedger({ engine, postgres: postgres() });
    const admin = l.as('admin');
    await admin.post('/units', { id: 'county', name: '中共湟源县委员会', kind: 'county_committee' }, 201);
    await admin.post('/units', { id: 'townA', name: '中共大华镇委员会', kind: 'township_committee', parentId: 'county' }, 201);
    await admin.post('/units', { id: 'townB', name: '中共和平乡委员会', kind: 'township_committee', parentId: 'county' }, 201);
    await admin.post('/units', { id: 'branchA', name: '大华镇黄茂村党支部', kind: 'branch', parentId: 'townA' }, 201);
  });
  afterEach(async () => l?.close());

  it('two moves at once, A under B and B under A: exactly one lands, and no cycle in the streams or the read models', async () => {
    const org = l.as('org_dept');
    for (let round = 0; round < ROUNDS; round++) {
      const [ab, ba] = await Promise.all([org.post('/units/townA/move', { parentId: 'townB' }), org.post('/units/townB/move', { parentId: 'townA' })]);
      const statuses = [ab.status, ba.status].sort();
      expect({ round, statuses, cycle: cycleIn(await parentsInStreams(l)) }).toEqual({ round, statuses: [200, 409], cycle: null });
      const loser = ab.status === 409 ? ab : ba;
      expect(loser.body.code).toBe('MOVE_WOULD_CREATE_CYCLE');
      // Back under the county for the next round.
      await org.post(`/units/${ab.status === 200 ? 'townA' : 'townB'}/move`, { parentId: 'county' }, 200);
    }
    await org.get('/units', 200);
    expect(cycleIn(await readModelParents(l))).toBeNull();
    expect((await readModelParents(l)).get('townA')).toBe('county');
    expect((await readModelParents(l)).get('townB')).toBe('county');
  });

  it('a dissolve sent right after an assignment, or after a child registered under the unit, is refused', async () => {
    const org = l.as('org_dept');
    const admin = l.as('admin');
    await org.post('/cadres', { id: 'cadre', name: '王建国', unitId: 'branchA', post: '村党支部书记' }, 201);
    await org.post('/sheets', { id: 'sheet', number: '湟组交〔2026〕1号', title: '基层党建重点任务', issuedOn: '2026-03-02' }, 201);
    for (let round = 0; round < ROUNDS; round++) {
      await admin.post('/units', { id: `u${round}`, name: `党支部${round}`, kind: 'branch', parentId: 'townA' }, 201);
      await org.post('/items', { id: `i${round}`, sheetId: 'sheet', title: `事项${round}`, unitId: `u${round}`, cadreId: 'cadre', dueDate: '2026-04-30' }, 201);
      const dissolve = await org.post(`/units/u${round}/dissolve`, { reason: '撤并' });
      expect({ round, status: dissolve.status, code: dissolve.body.code }).toEqual({ round, status: 409, code: 'UNIT_HAS_OPEN_ITEMS' });

      await admin.post('/units', { id: `p${round}`, name: `总支${round}`, kind: 'general_branch', parentId: 'townB' }, 201);
      await admin.post('/units', { id: `c${round}`, name: `支部${round}`, kind: 'branch', parentId: `p${round}` }, 201);
      const parent = await org.post(`/units/p${round}/dissolve`, { reason: '撤并' });
      expect({ round, status: parent.status, code: parent.body.code }).toEqual({ round, status: 409, code: 'UNIT_HAS_LIVE_CHILDREN' });
    }
  });

  it('a unit user is refused right after their unit was moved out of their subtree, and let in right after it came back', async () => {
    const org = l.as('org_dept');
    await org.post('/cadres', { id: 'cadre', name: '王建国', unitId: 'branchA', post: '村党支部书记' }, 201);
    await org.post('/sheets', { id: 'sheet', number: '湟组交〔2026〕2号', title: '基层党建重点任务', issuedOn: '2026-03-02' }, 201);
    await org.post('/items', { id: 'item', sheetId: 'sheet', title: '落实三会一课', unitId: 'branchA', cadreId: 'cadre', dueDate: '2026-04-30' }, 201);
    const townA = l.as('unit', 'townA');
    const townB = l.as('unit', 'townB');
    await townA.post('/items/item/acknowledge', {}, 200);
    for (let round = 0; round < ROUNDS; round++) {
      await org.post('/units/branchA/move', { parentId: 'townB' }, 200);
      const gone = await townA.post('/items/item/progress', { note: `进展${round}` });
      expect({ round, status: gone.status }).toEqual({ round, status: 403 });
      await townB.post('/items/item/progress', { note: `进展${round}` }, 200);
      await org.post('/units/branchA/move', { parentId: 'townA' }, 200);
      const away = await townB.post('/items/item/progress', { note: `进展${round}` });
      expect({ round, status: away.status }).toEqual({ round, status: 403 });
      await townA.post('/items/item/progress', { note: `进展${round}` }, 200);
    }
  });
}

describe('write-side races on SQLite', () => races('sqlite', () => undefined));

describe('write-side races on PostgreSQL', () => {
  let server: TestPostgres | undefined;
  beforeAll(async () => {
    server = await startTestPostgres();
  }, 120_000);
  afterAll(async () => server?.stop());
  races('postgres', () => server);
});
