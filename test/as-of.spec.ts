/**
 * Answers `asOf=<instant>` checked against an independent replay of the event log
 * cut at that instant (a reference fold written here, not the projector's), at 50 random instants
 * over a scripted county with renames, moves, reassignments, extensions, returns, conclusions,
 * strike-offs, a reopening, withdrawals and a dissolution; on SQLite and on PostgreSQL.
 */
import { openEventStore } from '@ledger/platform';
import { startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import type { StoredEvent } from '@ledger/event-store';
import { nineAm, startLedger, type Client, type Engine, type Ledger } from './support/ledger';

const URGE_ORDER = ['reminder', 'urge', 'notice', 'listed'];
const OPEN = ['assigned', 'in_progress', 'reported'];
const DUE_SOON_DAYS = 3;

/** County date (UTC+8, no daylight saving) of an instant. */
const countyDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
const plusDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

interface RefItem {
  id: string;
  unitId: string;
  cadreId: string;
  status: string;
  dueDate: string;
  urgeLevel: string | null;
  concludedOn: string | null;
  onTime: boolean | null;
  revision: number;
}
interface RefUnit {
  parentId: string | null;
  name: string;
  dissolved: boolean;
}

/** The payload fields the reference reads; each event carries those of its type. */
interface RefEventData {
  itemId: string;
  unitId: string;
  cadreId: string;
  parentId: string | null;
  name: string;
  dueDate: string;
  newDueDate: string;
  concludedOn: string;
  level: string;
}
/** A row of GET /items, as the API answers it. */
type ListedItem = Record<string, unknown>;

/** The reference: folds every event recorded at or before the instant, in log order. */
function fold(events: StoredEvent[], instantMs: number): { items: Map<string, RefItem>; units: Map<string, RefUnit> } {
  const items = new Map<string, RefItem>();
  const units = new Map<string, RefUnit>();
  for (const e of events) {
    if (Date.parse(e.recordedAt) > instantMs) continue;
    const d = e.data as RefEventData;
    if (e.type === 'UnitRegistered') units.set(d.unitId, { parentId: d.parentId, name: d.name, dissolved: false });
    else if (e.type === 'UnitRenamed') units.get(d.unitId)!.name = d.name;
    else if (e.type === 'UnitMoved') units.get(d.unitId)!.parentId = d.parentId;
    else if (e.type === 'UnitDissolved') units.get(d.unitId)!.dissolved = true;
    if (!e.stream.startsWith('item-')) continue;
    if (e.type === 'ItemAssigned') {
      items.set(d.itemId, {
        id: d.itemId,
        unitId: d.unitId,
        cadreId: d.cadreId,
        status: 'assigned',
        dueDate: d.dueDate,
        urgeLevel: null,
        concludedOn: null,
        onTime: null,
        revision: 0,
      });
    }
    const it = items.get(d.itemId)!;
    it.revision = e.revision;
    switch (e.type) {
      case 'ItemReassigned':
        it.unitId = d.unitId;
        it.cadreId = d.cadreId;
        break;
      case 'ExtensionGranted':
        it.dueDate = d.newDueDate;
        break;
      case 'ItemWithdrawn':
        it.status = 'withdrawn';
        break;
      case 'ItemAcknowledged':
      case 'CompletionReturned':
        it.status = 'in_progress';
        break;
      case 'ProgressReported':
        if (it.status === 'assigned') it.status = 'in_progress';
        break;
      case 'CompletionReported':
        it.status = 'reported';
        break;
      case 'ItemConcluded':
        it.status = 'concluded';
        it.concludedOn = d.concludedOn;
        it.onTime = d.concludedOn <= it.dueDate;
        break;
      case 'ItemStruckOff':
        if (it.concludedOn === null) {
          it.concludedOn = countyDay(Date.parse(e.recordedAt));
          it.onTime = it.concludedOn <= it.dueDate;
        }
        it.status = 'struck_off';
        break;
      case 'ItemReopened':
        it.status = 'in_progress';
        it.concludedOn = null;
        it.onTime = null;
        break;
      case 'ItemUrged':
        if (it.urgeLevel === null || URGE_ORDER.indexOf(d.level) > URGE_ORDER.indexOf(it.urgeLevel)) it.urgeLevel = d.level;
        break;
    }
  }
  return { items, units };
}

function light(it: RefItem, day: string): string | null {
  if (it.status === 'withdrawn') return null;
  if (!OPEN.includes(it.status)) return 'green';
  if (it.dueDate < day) return 'red';
  return it.dueDate <= plusDays(day, DUE_SOON_DAYS) ? 'yellow' : 'green';
}

function subtree(units: Map<string, RefUnit>, root: string): Set<string> {
  const out = new Set<string>();
  for (const id of units.keys()) {
    for (let u: string | null = id; u; u = units.get(u)?.parentId ?? null) {
      if (u === root) {
        out.add(id);
        break;
      }
    }
  }
  return out;
}

function figures(items: RefItem[], day: string): Record<string, number> {
  const n = (p: (i: RefItem) => boolean) => items.filter(p).length;
  const closed = n((i) => i.status === 'concluded' || i.status === 'struck_off');
  const counted = items.length - n((i) => i.status === 'withdrawn');
  const open = (i: RefItem) => OPEN.includes(i.status);
  return {
    total: items.length,
    open: n(open),
    overdue: n((i) => open(i) && i.dueDate < day),
    dueSoon: n((i) => open(i) && i.dueDate >= day && i.dueDate <= plusDays(day, DUE_SOON_DAYS)),
    awaitingReview: n((i) => i.status === 'reported'),
    concluded: n((i) => i.status === 'concluded'),
    struckOff: n((i) => i.status === 'struck_off'),
    withdrawn: n((i) => i.status === 'withdrawn'),
    closureRate: counted > 0 ? closed / counted : 0,
    onTimeRate: closed > 0 ? n((i) => (i.status === 'concluded' || i.status === 'struck_off') && i.onTime === true) / closed : 0,
  };
}

/** A seeded generator: the instants are random but the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const TOWNSHIPS = ['T1', 'T2', 'T3'];
const ITEM_IDS = ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7', 'I8'];

/** The county: 2026-01-05 … 2026-03-01, each day's commands at 09:00 county time. */
async function scriptCounty(ledger: Ledger): Promise<void> {
  const org = ledger.as('org_dept');
  const inspector = ledger.as('inspector');
  const unit = (id: string): Client => ledger.as('unit', id);
  const day = (d: string) => ledger.setDay(d);

  day('2026-01-05');
  await org.post('/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }, 201);
  for (const [id, name] of [
    ['T1', '和平乡党委'],
    ['T2', '申中乡党委'],
    ['T3', '大华镇党委'],
  ]) {
    await org.post('/units', { id, name, kind: 'township_committee', parentId: 'C' }, 201);
  }
  for (const [id, name, parentId] of [
    ['V1', '茶曲村党支部', 'T1'],
    ['V2', '莫布拉村党支部', 'T2'],
    ['V3', '前沟村党支部', 'T2'],
    ['V4', '黄茂村党支部', 'T3'],
    ['V5', '长岭村党支部', 'T1'],
  ]) {
    await org.post('/units', { id, name, kind: 'branch', parentId }, 201);
  }
  for (const [id, name, unitId] of [
    ['K1', '张三', 'V1'],
    ['K2', '李四', 'V2'],
    ['K3', '王五', 'V3'],
    ['K4', '赵六', 'V4'],
    ['K5', '孙七', 'T1'],
    ['K6', '周八', 'V5'],
  ]) {
    await org.post('/cadres', { id, name, unitId, post: '书记' }, 201);
  }
  await org.post('/sheets', { id: 's1', number: '湟组交〔2026〕1号', title: '2026年第一季度基层党建任务', issuedOn: '2026-01-05' }, 201);
  const assign = (id: string, unitId: string, cadreId: string, dueDate: string) =>
    org.post('/items', { id, sheetId: 's1', title: `事项${id}`, unitId, cadreId, dueDate }, 201);
  await assign('I1', 'V1', 'K1', '2026-01-20');
  await assign('I2', 'V2', 'K2', '2026-01-15');
  await assign('I3', 'T1', 'K5', '2026-02-10');
  await assign('I4', 'V4', 'K4', '2026-01-31');

  day('2026-01-06');
  await unit('V1').post('/items/I1/acknowledge', {}, 200);
  await unit('V2').post('/items/I2/acknowledge', {}, 200);
  await unit('V4').post('/items/I4/acknowledge', {}, 200);
  day('2026-01-08');
  await unit('V2').post('/items/I2/complete', { summary: '已完成' }, 200);
  await inspector.post('/items/I1/urge', { level: 'reminder' }, 200);
  await assign('I5', 'V5', 'K6', '2026-02-05');
  day('2026-01-10');
  await inspector.post('/items/I2/return', { reason: '材料不全' }, 200);
  await unit('T1').post('/items/I3/acknowledge', {}, 200);
  day('2026-01-12');
  await unit('V1').post('/items/I1/extension/request', { newDueDate: '2026-02-15', reason: '冬季施工受限' }, 200);
  await org.post('/items/I1/extension/grant', {}, 200);
  await unit('V2').post('/items/I2/complete', { summary: '已补充材料' }, 200);
  day('2026-01-14');
  await inspector.post('/items/I2/conclude', { note: '同意办结' }, 200);
  await org.post('/units/T1/rename', { name: '和平镇党委' }, 200);
  day('2026-01-16');
  await org.post('/items/I2/strike-off', { note: '核验销号' }, 200);
  await assign('I6', 'V3', 'K3', '2026-01-25');
  await inspector.post('/items/I4/urge', { level: 'urge' }, 200);
  day('2026-01-20');
  await unit('V4').post('/items/I4/complete', { summary: '已完成' }, 200);
  await org.post('/cadres/K3/transfer', { unitId: 'V2', post: '委员' }, 200);
  day('2026-01-22');
  await org.post('/items/I5/withdraw', { reason: '重复交办' }, 200);
  day('2026-01-26');
  await inspector.post('/items/I6/urge', { level: 'notice' }, 200);
  day('2026-01-28');
  await inspector.post('/items/I4/return', { reason: '佐证不足' }, 200);
  await unit('V4').post('/items/I4/complete', { summary: '已补充佐证' }, 200);
  day('2026-02-01');
  await inspector.post('/items/I4/conclude', { note: '逾期办结' }, 200);
  day('2026-02-03');
  await org.post('/units/V1/move', { parentId: 'T3' }, 200);
  await assign('I7', 'V1', 'K1', '2026-03-10');
  await org.post('/items/I3/reassign', { unitId: 'V5', cadreId: 'K6', reason: '属地调整' }, 200);
  day('2026-02-05');
  await unit('V3').post('/items/I6/acknowledge', {}, 200);
  await unit('V3').post('/items/I6/complete', { summary: '已完成' }, 200);
  await inspector.post('/items/I6/conclude', {}, 200);
  day('2026-02-10');
  await org.post('/items/I2/reopen', { reason: '群众反映问题反弹' }, 200);
  await unit('V2').post('/items/I2/complete', { summary: '已再次整改' }, 200);
  await inspector.post('/items/I2/conclude', {}, 200);
  day('2026-02-12');
  await org.post('/units/V4/dissolve', { reason: '村党支部合并' }, 200);
  day('2026-02-16');
  await inspector.post('/items/I1/urge', { level: 'listed' }, 200);
  await unit('V1').post('/items/I1/complete', { summary: '已完成' }, 200);
  day('2026-02-18');
  await inspector.post('/items/I1/conclude', {}, 200);
  await org.post('/items/I1/strike-off', {}, 200);
  day('2026-02-20');
  await org.post('/units/V5/rename', { name: '长岭村党总支' }, 200);
  day('2026-02-25');
  await assign('I8', 'V2', 'K2', '2026-03-05');
  await unit('V1').post('/items/I7/acknowledge', {}, 200);
  await unit('V1').post('/items/I7/extension/request', { newDueDate: '2026-03-20', reason: '等待上级批复' }, 200);
  await org.post('/items/I7/extension/refuse', { reason: '理由不充分' }, 200);
  day('2026-03-01');
  await unit('V1').post('/items/I7/complete', { summary: '已完成' }, 200);
  day('2026-03-02');
}

function suite(engine: Engine, start: () => Promise<Ledger>, stop: () => Promise<void> = async () => undefined): void {
  let ledger: Ledger;
  let inspector: Client;
  let events: StoredEvent[];

  beforeAll(async () => {
    ledger = await start();
    inspector = ledger.as('inspector');
    await scriptCounty(ledger);
    const store = await openEventStore(ledger.config);
    try {
      events = await store.readAll({ after: 0n, limit: 10_000 });
    } finally {
      await store.close();
    }
    // Every query below waits for the last command (minPosition).
    await inspector.get('/units', 200);
  }, 120_000);

  afterAll(async () => {
    await ledger?.close();
    await stop();
  });

  it(`[${engine}] a township's list as it stood on the first of last month: the village moved away since still counts, the reassigned item under its old unit`, async () => {
    const asOf = encodeURIComponent('2026-02-01T00:00:00+08:00');
    const then = await inspector.get(`/items?unitId=T1&subtree=true&asOf=${asOf}`, 200);
    expect(then.body.total).toBe(3);
    expect(then.body.items.map((i: ListedItem) => [i.id, i.unitId, i.status, i.dueDate, i.light, i.overdue, i.urgeLevel])).toEqual([
      ['I5', 'V5', 'withdrawn', '2026-02-05', null, false, null],
      ['I3', 'T1', 'in_progress', '2026-02-10', 'green', false, null],
      ['I1', 'V1', 'in_progress', '2026-02-15', 'green', false, 'reminder'],
    ]);
    // Now: 茶曲村 (V1) belongs to 大华镇 and I3 was handed to 长岭村.
    const now = await inspector.get('/items?unitId=T1&subtree=true', 200);
    expect(now.body.items.map((i: ListedItem) => [i.id, i.unitId, i.status])).toEqual([
      ['I5', 'V5', 'withdrawn'],
      ['I3', 'V5', 'in_progress'],
    ]);
    const figures = await inspector.get(`/units/T1/outstanding?asOf=${asOf}`, 200);
    expect(figures.body).toMatchObject({ total: 3, open: 2, overdue: 0, dueSoon: 0, withdrawn: 1, closureRate: 0 });
  });

  it(`[${engine}] answers items, lists, unit and children figures as the replay cut at 50 random instants`, async () => {
    const rnd = prng(20260301);
    const first = Date.parse(nineAm('2026-01-05'));
    const last = Date.parse(nineAm('2026-03-02'));
    const recorded = [...new Set(events.map((e) => Date.parse(e.recordedAt)))];
    const instants: number[] = [];
    for (let k = 0; k < 50; k++) {
      // Every fifth instant is exactly an event's recordedAt (events recorded at the instant count).
      if (k % 5 === 0) instants.push(recorded[Math.floor(rnd() * recorded.length)]);
      else instants.push(first - 86_400_000 + Math.floor(rnd() * (last - first + 86_400_000)));
    }
    let compared = 0;
    for (const ms of instants) {
      const asOf = encodeURIComponent(new Date(ms).toISOString().replace('Z', '+00:00'));
      const day = countyDay(ms);
      const ref = fold(events, ms);
      const at = `at ${new Date(ms).toISOString()}`;
      for (const id of ITEM_IDS) {
        const it = ref.items.get(id);
        const res = await inspector.get(`/items/${id}?asOf=${asOf}`);
        if (!it) {
          expect([at, id, res.status]).toEqual([at, id, 404]);
          continue;
        }
        expect([at, res.status, res.headers.etag]).toEqual([at, 200, `"${it.revision}"`]);
        expect({ at, ...pick(res.body, ['id', 'unitId', 'cadreId', 'status', 'dueDate', 'urgeLevel', 'revision', 'light', 'overdue']) }).toEqual({
          at,
          id,
          unitId: it.unitId,
          cadreId: it.cadreId,
          status: it.status,
          dueDate: it.dueDate,
          urgeLevel: it.urgeLevel,
          revision: it.revision,
          light: light(it, day),
          overdue: OPEN.includes(it.status) && it.dueDate < day,
        });
        compared++;
      }
      const list = await inspector.get(`/items?asOf=${asOf}&pageSize=200`, 200);
      expect({ at, ids: list.body.items.map((i: ListedItem) => i.id).sort() }).toEqual({ at, ids: [...ref.items.keys()].sort() });
      for (const root of ['C', ...TOWNSHIPS]) {
        const exists = ref.units.has(root);
        const inTree = subtree(ref.units, root);
        const mine = [...ref.items.values()].filter((i) => inTree.has(i.unitId));
        const listed = await inspector.get(`/items?unitId=${root}&subtree=true&asOf=${asOf}&pageSize=200`, 200);
        const got = new Map(listed.body.items.map((i: ListedItem) => [i.id, [i.status, i.light, i.dueDate]]));
        expect({ at, root, total: listed.body.total, items: got }).toEqual({
          at,
          root,
          total: mine.length,
          items: new Map(mine.map((i) => [i.id, [i.status, light(i, day), i.dueDate]])),
        });
        const fig = await inspector.get(`/units/${root}/outstanding?asOf=${asOf}`);
        if (!exists) {
          expect([at, root, fig.status]).toEqual([at, root, 404]);
          continue;
        }
        expect({ at, root, ...fig.body }).toEqual({ at, root, ...figures(mine, day) });
        const own = await inspector.get(`/units/${root}/outstanding?subtree=false&asOf=${asOf}`, 200);
        expect({ at, root, ...own.body }).toEqual({
          at,
          root,
          ...figures(
            mine.filter((i) => i.unitId === root),
            day,
          ),
        });
      }
      if (ref.units.has('C')) {
        const children = await inspector.get(`/units/C/children/outstanding?asOf=${asOf}`, 200);
        const expected = [...ref.units.entries()]
          .filter(([, u]) => u.parentId === 'C')
          .map(([id, u]) => {
            const inTree = subtree(ref.units, id);
            return {
              unitId: id,
              name: u.name,
              ...figures(
                [...ref.items.values()].filter((i) => inTree.has(i.unitId)),
                day,
              ),
              dissolved: u.dissolved,
            };
          })
          .filter((r) => !r.dissolved || (r as Record<string, unknown>).total !== 0)
          .map(({ dissolved: _, ...r }) => r);
        expect({ at, rows: sortBy(children.body, 'unitId') }).toEqual({ at, rows: sortBy(expected, 'unitId') });
      }
    }
    // The instants did reach items in every state the script makes.
    expect(compared).toBeGreaterThan(150);
  }, 300_000);

  it(`[${engine}] asOf: a bad instant is 400; a future instant answers as now; before the first event nothing existed`, async () => {
    for (const bad of ['yesterday', '2026-02-01', '2026-02-30T00:00:00+08:00', '2026-02-01T00:00:00']) {
      const res = await inspector.get(`/items?asOf=${encodeURIComponent(bad)}`, 400);
      expect(res.body).toMatchObject({ status: 400 });
    }
    await inspector.get(`/items/I1?asOf=nope`, 400);
    await inspector.get(`/units/C/outstanding?asOf=nope`, 400);
    await inspector.get(`/units/C/children/outstanding?asOf=nope`, 400);
    const future = encodeURIComponent('2030-01-01T00:00:00+08:00');
    expect((await inspector.get(`/items/I7?asOf=${future}`, 200)).body).toEqual((await inspector.get('/items/I7', 200)).body);
    expect((await inspector.get(`/units/C/outstanding?asOf=${future}`, 200)).body).toEqual((await inspector.get('/units/C/outstanding', 200)).body);
    expect((await inspector.get(`/units/C/children/outstanding?asOf=${future}`, 200)).body).toEqual(
      (await inspector.get('/units/C/children/outstanding', 200)).body,
    );
    const before = encodeURIComponent('2026-01-01T00:00:00+08:00');
    expect((await inspector.get(`/items?asOf=${before}`, 200)).body.total).toBe(0);
    await inspector.get(`/items/I1?asOf=${before}`, 404);
    await inspector.get(`/units/C/outstanding?asOf=${before}`, 404);
  });

  it(`[${engine}] a unit user sees only its subtree as it is now, also as of a past instant`, async () => {
    // 大华镇 (T3) now holds 茶曲村 (V1); on 2026-02-01 V1 was under 和平镇 (T1).
    const t3 = ledger.as('unit', 'T3');
    const asOf = encodeURIComponent('2026-02-01T00:00:00+08:00');
    const all = await t3.get(`/items?asOf=${asOf}`, 200);
    expect(all.body.items.map((i: ListedItem) => i.id).sort()).toEqual(['I1', 'I4']);
    const t1 = await t3.get(`/items?unitId=T1&asOf=${asOf}`, 200);
    expect(t1.body.items.map((i: ListedItem) => i.id)).toEqual(['I1']);
    await t3.get(`/items/I1?asOf=${asOf}`, 200);
    await t3.get(`/items/I3?asOf=${asOf}`, 403);
    await t3.get(`/units/T1/outstanding?asOf=${asOf}`, 403);
  });
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}
function sortBy<T extends object>(xs: T[], k: string): T[] {
  const at = (x: T) => String((x as Record<string, unknown>)[k]);
  return [...xs].sort((a, b) => at(a).localeCompare(at(b)));
}

describe('asOf on SQLite (events and read models in real files)', () => {
  suite('sqlite', () => startLedger({ engine: 'sqlite', at: nineAm('2026-01-05') }));
});

// Positions that only increase, with gaps of up to 50 unused numbers before each event (SQLite's
// test-only testPositionGaps), as EventStoreDB's are: the same answers, against the same replay.
describe('asOf on SQLite with gaps between positions', () => {
  suite('sqlite', () => startLedger({ engine: 'sqlite', at: nineAm('2026-01-05'), positionGaps: 50 }));
});

describe('asOf on PostgreSQL (events and read models)', () => {
  let server: TestPostgres;
  suite(
    'postgres',
    async () => {
      server = await startTestPostgres();
      return startLedger({ engine: 'postgres', postgres: server, at: nineAm('2026-01-05') });
    },
    async () => {
      await server?.stop();
    },
  );
});
