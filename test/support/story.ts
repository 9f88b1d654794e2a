/**
 * The county's story, end to end over HTTP: a county registers its tree and cadres, the
 * organisation department issues a 交办单, one township closes its item (定责 → 履责 → 督责 → 销号),
 * the other misses its deadline and is urged and held accountable (追责); unit users stay inside
 * their subtree; a village moves to the other township and takes its figures along.
 *
 * Every query waits for the position of the command before it (`minPosition`); days pass on a
 * FixedClock; every figure below is worked out by hand from the story, never read back.
 *
 * `story(engine, setUp, tearDown)` registers the steps (Jest `it`s, in order) in the calling `describe`;
 * `setUp` answers the ledger to run against. There is no way out: a ledger that cannot start fails
 * every step (an engine that is not there must say so where the story is called, visibly).
 */
import { CADRES, EVIDENCE, ITEMS, SHEET, UNITS, type UnitKey } from './county';
import { figures, figuresOf, type Figures } from './figures';
import { nineAm, type Client, type Engine, type Ledger } from './ledger';

type ItemKey = keyof typeof ITEMS;

const ITEM_VIEW_FIELDS = [
  'id',
  'sheetId',
  'title',
  'requirements',
  'unitId',
  'cadreId',
  'leaderId',
  'status',
  'light',
  'overdue',
  'dueDate',
  'originalDueDate',
  'createdAt',
  'updatedAt',
  'revision',
  'urgeLevel',
  'accountabilityCount',
] as const;

/** API.md's ItemView fields of an answer; instants as UTC ISO strings, so that any offset compares. */
function itemViewOf(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ITEM_VIEW_FIELDS) out[k] = body[k];
  for (const k of ['createdAt', 'updatedAt'] as const) {
    const v = body[k];
    out[k] = typeof v === 'string' && /(Z|[+-]\d\d:\d\d)$/.test(v) ? new Date(v).toISOString() : v;
  }
  return out;
}

/** The ItemView the story expects: the item as assigned on 2026-03-02, then what `changes` say. */
function expectedView(key: ItemKey, changes: Partial<Record<(typeof ITEM_VIEW_FIELDS)[number], unknown>> = {}): Record<string, unknown> {
  const i = ITEMS[key];
  return {
    id: i.id,
    sheetId: i.sheetId,
    title: i.title,
    requirements: i.requirements,
    unitId: i.unitId,
    cadreId: i.cadreId,
    leaderId: i.leaderId,
    status: 'assigned',
    light: 'green',
    overdue: false,
    dueDate: i.dueDate,
    originalDueDate: i.dueDate,
    createdAt: nineAm('2026-03-02'),
    updatedAt: nineAm('2026-03-02'),
    revision: 0,
    urgeLevel: null,
    accountabilityCount: 0,
    ...changes,
  };
}

const byKey =
  <T extends Record<string, unknown>>(key: string) =>
  (a: T, b: T) =>
    String(a[key]).localeCompare(String(b[key]));

export function story(
  engine: Engine,
  setUp: () => Promise<Ledger>,
  tearDown: () => Promise<void> = async () => undefined,
  /** SQLite and PostgreSQL number the events 1, 2, 3…; EventStoreDB's positions grow but skip (byte offsets), as SQLite's do with test gaps. */
  gapFree = engine !== 'eventstoredb',
): void {
  let ledger: Ledger;
  let org: Client;
  let admin: Client;
  let discipline: Client;
  let inspector: Client;
  /** Unit users: township A (大华镇), township B (申中乡), and a village of A (黄茂村). */
  let unitA: Client;
  let unitB: Client;
  let village: Client;
  let decisionId: string;

  beforeAll(async () => {
    ledger = await setUp();
    admin = ledger.as('admin', undefined, { sub: 'admin-1', name: '系统管理员' });
    org = ledger.as('org_dept', undefined, { sub: 'zzb-01', name: '县委组织部 赵敏' });
    discipline = ledger.as('discipline', undefined, { sub: 'jw-01', name: '县纪委监委 孙立' });
    inspector = ledger.as('inspector', undefined, { sub: 'dc-01', name: '督查室 周平' });
    unitA = ledger.as('unit', 'dahua', { sub: 'dahua-01', name: '大华镇党委 刘洋' });
    unitB = ledger.as('unit', 'shenzhong', { sub: 'shenzhong-01', name: '申中乡党委 祁明' });
    village = ledger.as('unit', 'huangmao', { sub: 'huangmao-01', name: '黄茂村 张永福' });
  }, 180_000);
  afterAll(async () => {
    await ledger?.close();
    await tearDown();
  }, 60_000);

  /** The first step that failed: the later ones build on its state, so they stop there and say so. */
  let failedStep: string | null = null;
  /** A step of the story. */
  const step = (name: string, fn: () => Promise<void>) =>
    it(name, async () => {
      if (!ledger) throw new Error(`not run: the ledger on ${engine} did not start (see beforeAll)`);
      if (failedStep !== null) throw new Error(`not run: it continues the story from step "${failedStep}", which failed`);
      try {
        await fn();
      } catch (e) {
        failedStep = name.slice(0, name.indexOf(' '));
        throw e;
      }
    });

  // ---- reading helpers (all through HTTP, all waiting for the last command's position) ----

  async function item(key: ItemKey, as: Client = org): Promise<{ view: Record<string, unknown>; etag: string | undefined }> {
    const res = await as.get(`/items/${ITEMS[key].id}`, 200);
    return { view: itemViewOf(res.body), etag: res.headers.etag };
  }

  async function expectItem(key: ItemKey, changes: Parameters<typeof expectedView>[1]): Promise<void> {
    const { view, etag } = await item(key);
    const expected = expectedView(key, changes);
    expect(view).toEqual(expected);
    expect(etag).toBe(`"${expected.revision}"`);
  }

  async function unitFigures(unit: UnitKey, subtree: boolean, as: Client = org): Promise<Figures> {
    const res = await as.get(`/units/${UNITS[unit].id}/outstanding?subtree=${subtree}`, 200);
    return figuresOf(res.body);
  }

  /** The unit alone and rolled up over its subtree. */
  async function expectUnit(unit: UnitKey, alone: Partial<Figures>, rolledUp: Partial<Figures>): Promise<void> {
    expect({ unit, alone: await unitFigures(unit, false) }).toEqual({ unit, alone: figures(alone) });
    expect({ unit, rolledUp: await unitFigures(unit, true) }).toEqual({ unit, rolledUp: figures(rolledUp) });
  }

  async function expectChildren(unit: UnitKey, rows: Array<{ unitId: string; name: string } & Partial<Figures>>): Promise<void> {
    const res = await org.get(`/units/${UNITS[unit].id}/children/outstanding`, 200);
    const got = (res.body as Array<Record<string, unknown>>).map((r) => ({ unitId: r.unitId, name: r.name, ...figuresOf(r) })).sort(byKey('unitId'));
    const want = rows.map(({ unitId, name, ...f }) => ({ unitId, name, ...figures(f) })).sort(byKey('unitId'));
    expect(got).toEqual(want);
  }

  async function expectCadre(cadreId: string, f: Partial<Figures>): Promise<void> {
    const res = await org.get(`/cadres/${cadreId}/outstanding`, 200);
    expect({ cadreId, figures: figuresOf(res.body) }).toEqual({ cadreId, figures: figures(f) });
  }

  async function itemIds(as: Client, query = ''): Promise<{ ids: string[]; total: number }> {
    const res = await as.get(`/items?pageSize=200${query}`, 200);
    return { ids: (res.body.items as Array<{ id: string }>).map((i) => i.id).sort(), total: res.body.total };
  }

  /** An entry of GET /items/:id/history (API.md): the fields the story reads. */
  interface HistoryEntry {
    type: string;
    revision: number;
    actor: unknown;
    recordedAt: string;
    position: string;
    data: Record<string, unknown>;
  }
  async function history(key: ItemKey): Promise<HistoryEntry[]> {
    return (await org.get(`/items/${ITEMS[key].id}/history`, 200)).body;
  }

  const actorOf = (c: Client) => ({ userId: c.who.sub, role: c.who.role, unitId: c.who.unitId ?? null, name: c.who.name });

  step(`0. an empty ledger on ${engine}: the store answers, the projector has nothing to catch up`, async () => {
    const ready = await ledger.http.get('/health/ready').expect(200);
    const none = gapFree ? '0' : expect.any(String);
    expect(ready.body).toEqual({ status: 'ok', engine, head: none, checkpoint: none, lag: '0' });
  });

  // ---- 1. the tree and its cadres ----

  step('1. the county registers its tree and a secretary per unit; GET /units shows the paths, GET /cadres the subtrees', async () => {
    for (const u of Object.values(UNITS)) {
      const body = u.parentId ? { id: u.id, name: u.name, kind: u.kind, parentId: u.parentId } : { id: u.id, name: u.name, kind: u.kind };
      const res = await (u.kind === 'county_committee' ? admin : org).post('/units', body, 201);
      expect(res.body).toEqual({ id: u.id, revision: 0, position: expect.stringMatching(/^[1-9]\d*$/) });
    }
    for (const c of Object.values(CADRES)) {
      const res = await org.post('/cadres', c, 201);
      expect(res.body).toEqual({ id: c.id, revision: 0, position: expect.stringMatching(/^[1-9]\d*$/) });
    }
    // 6 units + 6 cadres: positions 1..12, gap-free.
    if (gapFree) expect(ledger.position).toBe('12');

    const units = (await org.get('/units', 200)).body as Array<Record<string, unknown>>;
    expect(units.map(({ id, name, kind, parentId, path, dissolved }) => ({ id, name, kind, parentId, path, dissolved })).sort(byKey('id'))).toEqual(
      [
        { ...UNITS.county, path: '/county/', dissolved: false },
        { ...UNITS.dahua, path: '/county/dahua/', dissolved: false },
        { ...UNITS.huangmao, path: '/county/dahua/huangmao/', dissolved: false },
        { ...UNITS.mobula, path: '/county/shenzhong/mobula/', dissolved: false },
        { ...UNITS.qiangou, path: '/county/shenzhong/qiangou/', dissolved: false },
        { ...UNITS.shenzhong, path: '/county/shenzhong/', dissolved: false },
      ].sort(byKey('id')),
    );

    const cadresOf = async (unitId: string, subtree: boolean, as: Client = org) =>
      ((await as.get(`/cadres?unitId=${unitId}&subtree=${subtree}`, 200)).body as Array<Record<string, unknown>>)
        .map(({ id, name, unitId: u, post }) => ({ id, name, unitId: u, post }))
        .sort(byKey('id'));
    expect(await cadresOf('shenzhong', true)).toEqual([CADRES.mobula, CADRES.qiangou, CADRES.shenzhong]);
    expect(await cadresOf('shenzhong', false)).toEqual([CADRES.shenzhong]);
    expect(await cadresOf('dahua', true)).toEqual([CADRES.dahua, CADRES.huangmao]);
    expect(await cadresOf('county', true)).toEqual(Object.values(CADRES).sort(byKey('id')));
    // A unit user reads its own subtree's cadres.
    expect(await cadresOf('dahua', true, unitA)).toEqual([CADRES.dahua, CADRES.huangmao]);
  });

  // ---- 2. the sheet and its items ----

  step('2. the organisation department issues 湟组交〔2026〕12号 with an item per township and village; the number cannot be taken twice', async () => {
    const sheet = await org.post('/sheets', SHEET, 201);
    expect(sheet.body).toEqual({ id: SHEET.id, revision: 0, position: expect.any(String) });
    const again = await org.post('/sheets', { ...SHEET, id: 'sheet-12-again', title: '重复编号的交办单' }, 409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.body).toMatchObject({ status: 409, code: 'SHEET_NUMBER_TAKEN' });
    // Every role reads the sheets (a unit user too): the one issued, and not the refused one.
    const sheets = { id: SHEET.id, number: SHEET.number, title: SHEET.title, source: SHEET.source ?? null, issuedOn: SHEET.issuedOn };
    expect((await org.get('/sheets', 200)).body).toEqual([sheets]);
    expect((await unitA.get('/sheets', 200)).body).toEqual([sheets]);

    for (const key of Object.keys(ITEMS) as ItemKey[]) {
      const res = await org.post('/items', ITEMS[key], 201);
      expect(res.body).toEqual({ id: ITEMS[key].id, revision: 0, position: expect.any(String) });
    }

    for (const key of Object.keys(ITEMS) as ItemKey[]) await expectItem(key, {});
    expect(await itemIds(org, `&sheetId=${SHEET.id}`)).toEqual({ ids: ['dh-1', 'hm-1', 'mb-1', 'qg-1', 'sz-1'], total: 5 });

    // Today 2026-03-02: nothing due within 3 days, nothing overdue.
    await expectUnit('county', {}, { total: 5, open: 5 });
    await expectUnit('dahua', { total: 1, open: 1 }, { total: 2, open: 2 });
    await expectUnit('shenzhong', { total: 1, open: 1 }, { total: 3, open: 3 });
    await expectUnit('qiangou', { total: 1, open: 1 }, { total: 1, open: 1 });
    await expectChildren('county', [
      { unitId: 'dahua', name: UNITS.dahua.name, total: 2, open: 2 },
      { unitId: 'shenzhong', name: UNITS.shenzhong.name, total: 3, open: 3 },
    ]);
    await expectChildren('shenzhong', [
      { unitId: 'mobula', name: UNITS.mobula.name, total: 1, open: 1 },
      { unitId: 'qiangou', name: UNITS.qiangou.name, total: 1, open: 1 },
    ]);
  });

  // ---- 3. township A closes its item ----

  step('3a. 大华镇 acknowledges (签收) and reports progress with evidence', async () => {
    const ack = await unitA.post(`/items/${ITEMS.dahua.id}/acknowledge`, {}, 200);
    expect(ack.body).toEqual({ id: 'dh-1', revision: 1, position: expect.any(String) });
    await expectItem('dahua', { status: 'in_progress', revision: 1 });

    const progress = await unitA.post(`/items/${ITEMS.dahua.id}/progress`, { note: '已制定整顿方案', evidence: [EVIDENCE.plan] }, 200);
    expect(progress.body.revision).toBe(2);
    await expectItem('dahua', { status: 'in_progress', revision: 2 });
    // The unit user reads its own item, with the same ETag.
    const own = await unitA.get(`/items/${ITEMS.dahua.id}`, 200);
    expect(own.headers.etag).toBe('"2"');
    await expectUnit('dahua', { total: 1, open: 1 }, { total: 2, open: 2 });
  });

  step('3b. 2026-03-05: 大华镇 reports completion (ticks it off): awaiting review', async () => {
    ledger.setDay('2026-03-05');
    const done = await unitA.post(`/items/${ITEMS.dahua.id}/complete`, { summary: '整顿工作已完成', evidence: [EVIDENCE.report] }, 200);
    expect(done.body.revision).toBe(3);
    await expectItem('dahua', { status: 'reported', revision: 3, updatedAt: nineAm('2026-03-05') });
    // Today 03-05, due soon up to 03-08: 申中乡's 03-10 is not yet.
    await expectUnit('dahua', { total: 1, open: 1, awaitingReview: 1 }, { total: 2, open: 2, awaitingReview: 1 });
    await expectUnit('county', {}, { total: 5, open: 5, awaitingReview: 1 });
    expect(await itemIds(org, '&status=reported')).toEqual({ ids: ['dh-1'], total: 1 });
  });

  step('3c. 2026-03-06: the inspector returns it (退回) with a reason', async () => {
    ledger.setDay('2026-03-06');
    const returned = await inspector.post(`/items/${ITEMS.dahua.id}/return`, { reason: '佐证材料不全，缺少专题组织生活会会议记录' }, 200);
    expect(returned.body.revision).toBe(4);
    await expectItem('dahua', { status: 'in_progress', revision: 4, updatedAt: nineAm('2026-03-06') });
    await expectUnit('dahua', { total: 1, open: 1 }, { total: 2, open: 2 });
  });

  step('3d. 2026-03-09: reported again; 申中乡 turns yellow (due 03-10)', async () => {
    ledger.setDay('2026-03-09');
    const again = await unitA.post(`/items/${ITEMS.dahua.id}/complete`, { summary: '已补充会议记录', evidence: [EVIDENCE.report, EVIDENCE.minutes] }, 200);
    expect(again.body.revision).toBe(5);
    await expectItem('dahua', { status: 'reported', revision: 5, updatedAt: nineAm('2026-03-09') });
    await expectItem('shenzhong', { light: 'yellow' });
    // Today 03-09, due soon up to 03-12: sz-1 (03-10) is due soon; dh-1 (03-20) is not.
    await expectUnit('dahua', { total: 1, open: 1, awaitingReview: 1 }, { total: 2, open: 2, awaitingReview: 1 });
    await expectUnit('shenzhong', { total: 1, open: 1, dueSoon: 1 }, { total: 3, open: 3, dueSoon: 1 });
    await expectUnit('county', {}, { total: 5, open: 5, dueSoon: 1, awaitingReview: 1 });
    expect(await itemIds(org, '&light=yellow')).toEqual({ ids: ['sz-1'], total: 1 });
  });

  step('3e. concluded on time (办结) with If-Match, then struck off (销号) by the organisation department', async () => {
    const stale = await inspector.post(`/items/${ITEMS.dahua.id}/conclude`, { note: '同意办结' }, 412, { 'If-Match': '"4"' });
    expect(stale.body).toMatchObject({ status: 412 });
    const concluded = await inspector.post(`/items/${ITEMS.dahua.id}/conclude`, { note: '同意办结' }, 200, { 'If-Match': '"5"' });
    expect(concluded.body.revision).toBe(6);
    await expectItem('dahua', { status: 'concluded', revision: 6, updatedAt: nineAm('2026-03-09') });
    await expectUnit('dahua', { total: 1, concluded: 1, closureRate: 1, onTimeRate: 1 }, { total: 2, open: 1, concluded: 1, closureRate: 0.5, onTimeRate: 1 });

    const struck = await org.post(`/items/${ITEMS.dahua.id}/strike-off`, { note: '经核实，予以销号' }, 200);
    expect(struck.body.revision).toBe(7);
    await expectItem('dahua', { status: 'struck_off', revision: 7, updatedAt: nineAm('2026-03-09') });
    await expectUnit('dahua', { total: 1, struckOff: 1, closureRate: 1, onTimeRate: 1 }, { total: 2, open: 1, struckOff: 1, closureRate: 0.5, onTimeRate: 1 });
    await expectUnit('county', {}, { total: 5, open: 4, dueSoon: 1, struckOff: 1, closureRate: 0.2, onTimeRate: 1 });
    await expectChildren('county', [
      { unitId: 'dahua', name: UNITS.dahua.name, total: 2, open: 1, struckOff: 1, closureRate: 0.5, onTimeRate: 1 },
      { unitId: 'shenzhong', name: UNITS.shenzhong.name, total: 3, open: 3, dueSoon: 1 },
    ]);
    await expectCadre('c-dahua', { total: 1, struckOff: 1, closureRate: 1, onTimeRate: 1 });
    await expectCadre('c-huangmao', { total: 1, open: 1 });
    const rows = (await org.get('/cadres/outstanding?unitId=dahua&subtree=true', 200)).body as Array<Record<string, unknown>>;
    expect(rows.map((r) => ({ cadreId: r.cadreId, name: r.name, ...figuresOf(r) })).sort(byKey('cadreId'))).toEqual([
      { cadreId: 'c-dahua', name: CADRES.dahua.name, ...figures({ total: 1, struckOff: 1, closureRate: 1, onTimeRate: 1 }) },
      { cadreId: 'c-huangmao', name: CADRES.huangmao.name, ...figures({ total: 1, open: 1 }) },
    ]);
  });

  step("3f. the item's history: every fact in order, with its actor and time", async () => {
    const h = await history('dahua');
    expect(h.map((e) => e.type)).toEqual([
      'ItemAssigned',
      'ItemAcknowledged',
      'ProgressReported',
      'CompletionReported',
      'CompletionReturned',
      'CompletionReported',
      'ItemConcluded',
      'ItemStruckOff',
    ]);
    expect(h.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(h.map((e) => e.actor)).toEqual([org, unitA, unitA, unitA, inspector, unitA, inspector, org].map(actorOf));
    expect(h.map((e) => new Date(e.recordedAt).toISOString())).toEqual(
      ['03-02', '03-02', '03-02', '03-05', '03-06', '03-09', '03-09', '03-09'].map((d) => nineAm(`2026-${d}`)),
    );
    const positions = h.map((e) => BigInt(e.position));
    for (let i = 1; i < positions.length; i++) expect(positions[i] > positions[i - 1]).toBe(true);
    expect(h[2].data).toMatchObject({ note: '已制定整顿方案', evidence: [EVIDENCE.plan] });
    expect(h[4].data).toMatchObject({ reason: '佐证材料不全，缺少专题组织生活会会议记录' });
    expect(h[5].data).toMatchObject({ summary: '已补充会议记录', evidence: [EVIDENCE.report, EVIDENCE.minutes] });
    expect(h[6].data).toMatchObject({ note: '同意办结' });
    expect(h[7].data).toMatchObject({ note: '经核实，予以销号' });
  });

  // ---- 4. township B misses its deadline ----

  step("4a. 2026-03-11: 申中乡's item is past due: red, overdue, counted overdue for the unit and up to the county", async () => {
    ledger.setDay('2026-03-11');
    // No command since 03-09: the same read models, read on another day.
    await expectItem('shenzhong', { light: 'red', overdue: true });
    await expectUnit('shenzhong', { total: 1, open: 1, overdue: 1 }, { total: 3, open: 3, overdue: 1 });
    await expectUnit('county', {}, { total: 5, open: 4, overdue: 1, struckOff: 1, closureRate: 0.2, onTimeRate: 1 });
    await expectChildren('county', [
      { unitId: 'dahua', name: UNITS.dahua.name, total: 2, open: 1, struckOff: 1, closureRate: 0.5, onTimeRate: 1 },
      { unitId: 'shenzhong', name: UNITS.shenzhong.name, total: 3, open: 3, overdue: 1 },
    ]);
    await expectCadre('c-shenzhong', { total: 1, open: 1, overdue: 1 });
    expect(await itemIds(org, '&light=red')).toEqual({ ids: ['sz-1'], total: 1 });
  });

  step('4b. urged up the ladder: reminder 提醒 → urge 催办 → notice 督办 → listed 挂牌督办', async () => {
    const ladder: Array<[Client, string, string | undefined]> = [
      [inspector, 'reminder', '电话'],
      [discipline, 'urge', '短信'],
      [inspector, 'notice', '督办通知书'],
      [org, 'listed', undefined],
    ];
    let revision = 0;
    for (const [who, level, channel] of ladder) {
      const res = await who.post(`/items/${ITEMS.shenzhong.id}/urge`, channel ? { level, channel } : { level, note: '挂牌督办，限期整改' }, 200);
      expect(res.body.revision).toBe(++revision);
      await expectItem('shenzhong', { light: 'red', overdue: true, revision, urgeLevel: level, updatedAt: nineAm('2026-03-11') });
    }
  });

  step('4c. the inspector refers its responsible cadre; the discipline commission records an admonishment (诫勉), then revokes it', async () => {
    const target = { kind: 'cadre', id: 'c-shenzhong' };
    const referred = await inspector.post(
      `/items/${ITEMS.shenzhong.id}/accountability/refer`,
      { target, to: 'discipline', note: '逾期未完成，挂牌督办后仍未整改' },
      200,
    );
    expect(referred.body.revision).toBe(5);

    const decided = await discipline.post(
      `/items/${ITEMS.shenzhong.id}/accountability/decide`,
      {
        target,
        form: 'admonishment',
        dispositionForm: 1,
        decidedBy: '中共湟源县纪律检查委员会',
        decidedOn: '2026-03-11',
        documentNo: '湟纪诫〔2026〕3号',
        effectMonths: 6,
        reason: '落实“三会一课”制度不力，逾期未完成交办事项',
      },
      200,
    );
    decisionId = decided.body.id;
    expect(typeof decisionId).toBe('string');
    expect(decisionId).not.toBe(ITEMS.shenzhong.id);
    expect(decided.body.revision).toBe(6);
    await expectItem('shenzhong', { light: 'red', overdue: true, revision: 6, urgeLevel: 'listed', accountabilityCount: 1, updatedAt: nineAm('2026-03-11') });

    const entry = {
      itemId: 'sz-1',
      decisionId,
      target,
      form: 'admonishment',
      dispositionForm: 1,
      decidedBy: '中共湟源县纪律检查委员会',
      decidedOn: '2026-03-11',
      documentNo: '湟纪诫〔2026〕3号',
      revoked: false,
    };
    const register = async (query = '') => (await discipline.get(`/accountability${query}`, 200)).body as Array<Record<string, unknown>>;
    const all = await register();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject(entry);
    const byTarget = await register('?targetKind=cadre&targetId=c-shenzhong&form=admonishment');
    expect(byTarget).toHaveLength(1);
    expect(byTarget[0]).toMatchObject(entry);
    expect(await register('?form=circulated_criticism')).toEqual([]);
    expect(await register('?targetKind=cadre&targetId=c-dahua')).toEqual([]);

    const revoked = await discipline.post(`/items/${ITEMS.shenzhong.id}/accountability/${decisionId}/revoke`, { reason: '本人申诉，经复核理由成立' }, 200);
    expect(revoked.body).toMatchObject({ id: decisionId, revision: 7 });
    const after = await register();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ ...entry, revoked: true });

    const h = await history('shenzhong');
    expect(h.map((e) => e.type)).toEqual([
      'ItemAssigned',
      'ItemUrged',
      'ItemUrged',
      'ItemUrged',
      'ItemUrged',
      'AccountabilityReferred',
      'AccountabilityDecided',
      'AccountabilityRevoked',
    ]);
    expect(h.map((e) => e.actor)).toEqual([org, inspector, discipline, inspector, org, inspector, discipline, discipline].map(actorOf));
    expect(h.slice(1, 5).map((e) => e.data.level)).toEqual(['reminder', 'urge', 'notice', 'listed']);
    expect(h[6].data).toMatchObject({ target, form: 'admonishment', dispositionForm: 1, documentNo: '湟纪诫〔2026〕3号', effectMonths: 6 });
  });

  // ---- 5. who may see and do what ----

  step("5a. a unit user of 大华镇 gets 403 on 申中乡's item, for reading it and for every item command, and nothing is written", async () => {
    const before = ledger.position;
    const id = ITEMS.shenzhong.id;
    expect((await unitA.get(`/items/${id}`, 403)).body).toMatchObject({ status: 403, code: 'OUT_OF_SCOPE' });
    await unitA.get(`/items/${id}/history`, 403);
    const commands: Array<[string, object]> = [
      ['acknowledge', {}],
      ['progress', { note: '越权' }],
      ['complete', { summary: '越权' }],
      ['extension/request', { newDueDate: '2026-04-30', reason: '越权' }],
      ['extension/grant', {}],
      ['extension/refuse', { reason: '越权' }],
      ['return', { reason: '越权' }],
      ['conclude', {}],
      ['strike-off', {}],
      ['reopen', { reason: '越权' }],
      ['urge', { level: 'reminder' }],
      ['reassign', { unitId: 'dahua', reason: '越权' }],
      ['withdraw', { reason: '越权' }],
      ['accountability/refer', { target: { kind: 'cadre', id: 'c-shenzhong' }, to: 'discipline' }],
      [
        'accountability/decide',
        { target: { kind: 'cadre', id: 'c-shenzhong' }, form: 'circulated_criticism', decidedBy: '越权', decidedOn: '2026-03-11', reason: '越权' },
      ],
      [`accountability/${decisionId}/revoke`, { reason: '越权' }],
    ];
    // The unit's own commands are refused for scope; the others for the role (the guard answers first).
    const unitCommands = ['acknowledge', 'progress', 'complete', 'extension/request'];
    const answers: Array<[string, number, string]> = [];
    for (const [route, body] of commands) {
      const res = await unitA.post(`/items/${id}/${route}`, body);
      answers.push([route, res.status, res.body.code]);
    }
    expect(answers).toEqual(commands.map(([route]) => [route, 403, unitCommands.includes(route) ? 'OUT_OF_SCOPE' : 'ROLE_FORBIDDEN']));
    expect(ledger.position).toBe(before);
    await expectItem('shenzhong', { light: 'red', overdue: true, revision: 7, urgeLevel: 'listed', accountabilityCount: 0, updatedAt: nineAm('2026-03-11') });
  });

  step('5b. a unit user sees only its subtree: items, figures and the register', async () => {
    expect(await itemIds(unitA)).toEqual({ ids: ['dh-1', 'hm-1'], total: 2 });
    expect(await itemIds(unitA, '&light=red')).toEqual({ ids: [], total: 0 });
    expect(await itemIds(unitB)).toEqual({ ids: ['mb-1', 'qg-1', 'sz-1'], total: 3 });
    expect(await itemIds(village)).toEqual({ ids: ['hm-1'], total: 1 });
    await unitA.get('/units/shenzhong/outstanding?subtree=true', 403);
    await unitA.get('/units/shenzhong/children/outstanding', 403);
    await unitA.get('/cadres/c-shenzhong/outstanding', 403);
    expect(await unitFigures('dahua', true, unitA)).toEqual(figures({ total: 2, open: 1, struckOff: 1, closureRate: 0.5, onTimeRate: 1 }));
    expect((await unitA.get('/accountability', 200)).body).toEqual([]);
    expect((await unitB.get('/accountability', 200)).body).toHaveLength(1);
  });

  step('5c. a unit cannot conclude its own item; discipline cannot reassign; an inspector cannot record a decision', async () => {
    const id = ITEMS.huangmao.id;
    await village.post(`/items/${id}/acknowledge`, {}, 200);
    const reported = await village.post(`/items/${id}/complete`, { summary: '活动场所已规范' }, 200);
    expect(reported.body.revision).toBe(2);
    const before = ledger.position;
    expect((await village.post(`/items/${id}/conclude`, { note: '自行办结' }, 403)).body).toMatchObject({ status: 403 });
    await unitA.post(`/items/${id}/conclude`, { note: '镇党委同意办结' }, 403);
    await unitA.post(`/items/${id}/strike-off`, {}, 403);
    await discipline.post(`/items/${ITEMS.shenzhong.id}/reassign`, { cadreId: 'c-mobula', reason: '调整责任人' }, 403);
    await inspector.post(
      `/items/${ITEMS.shenzhong.id}/accountability/decide`,
      {
        target: { kind: 'cadre', id: 'c-shenzhong' },
        form: 'circulated_criticism',
        decidedBy: '督查室',
        decidedOn: '2026-03-11',
        reason: '逾期',
      },
      403,
    );
    expect(ledger.position).toBe(before);
    await expectItem('huangmao', { status: 'reported', revision: 2, updatedAt: nineAm('2026-03-11') });
    await expectItem('shenzhong', { light: 'red', overdue: true, revision: 7, urgeLevel: 'listed', accountabilityCount: 0, updatedAt: nineAm('2026-03-11') });
    await expectUnit('huangmao', { total: 1, open: 1, awaitingReview: 1 }, { total: 1, open: 1, awaitingReview: 1 });
    await expectUnit(
      'dahua',
      { total: 1, struckOff: 1, closureRate: 1, onTimeRate: 1 },
      { total: 2, open: 1, awaitingReview: 1, struckOff: 1, closureRate: 0.5, onTimeRate: 1 },
    );
    await expectUnit('county', {}, { total: 5, open: 4, overdue: 1, awaitingReview: 1, struckOff: 1, closureRate: 0.2, onTimeRate: 1 });
  });

  // ---- 6. the tree changes under the items ----

  step('6a. 申中乡前沟村 moves under 大华镇: its item and its figures move from B to A', async () => {
    await org.post(`/units/${UNITS.qiangou.id}/move`, { parentId: 'dahua' }, 200);
    const units = (await org.get('/units', 200)).body as Array<Record<string, unknown>>;
    expect(units.find((u) => u.id === 'qiangou')).toMatchObject({ parentId: 'dahua', path: '/county/dahua/qiangou/' });

    // dh-1 struck off, hm-1 reported, qg-1 assigned.
    await expectUnit(
      'dahua',
      { total: 1, struckOff: 1, closureRate: 1, onTimeRate: 1 },
      { total: 3, open: 2, awaitingReview: 1, struckOff: 1, closureRate: 1 / 3, onTimeRate: 1 },
    );
    await expectUnit('shenzhong', { total: 1, open: 1, overdue: 1 }, { total: 2, open: 2, overdue: 1 });
    await expectUnit('county', {}, { total: 5, open: 4, overdue: 1, awaitingReview: 1, struckOff: 1, closureRate: 0.2, onTimeRate: 1 });
    await expectChildren('county', [
      { unitId: 'dahua', name: UNITS.dahua.name, total: 3, open: 2, awaitingReview: 1, struckOff: 1, closureRate: 1 / 3, onTimeRate: 1 },
      { unitId: 'shenzhong', name: UNITS.shenzhong.name, total: 2, open: 2, overdue: 1 },
    ]);
    await expectChildren('dahua', [
      { unitId: 'huangmao', name: UNITS.huangmao.name, total: 1, open: 1, awaitingReview: 1 },
      { unitId: 'qiangou', name: UNITS.qiangou.name, total: 1, open: 1 },
    ]);
    await expectChildren('shenzhong', [{ unitId: 'mobula', name: UNITS.mobula.name, total: 1, open: 1 }]);

    expect(await itemIds(unitA)).toEqual({ ids: ['dh-1', 'hm-1', 'qg-1'], total: 3 });
    expect(await itemIds(unitB)).toEqual({ ids: ['mb-1', 'sz-1'], total: 2 });
    expect(await itemIds(org, '&unitId=shenzhong&subtree=true')).toEqual({ ids: ['mb-1', 'sz-1'], total: 2 });
    expect(await itemIds(org, '&unitId=dahua&subtree=true')).toEqual({ ids: ['dh-1', 'hm-1', 'qg-1'], total: 3 });
    const cadreRows = (await org.get('/cadres/outstanding?unitId=shenzhong&subtree=true', 200)).body as Array<Record<string, unknown>>;
    expect(cadreRows.map((r) => ({ cadreId: r.cadreId, ...figuresOf(r) })).sort(byKey('cadreId'))).toEqual([
      { cadreId: 'c-mobula', ...figures({ total: 1, open: 1 }) },
      { cadreId: 'c-shenzhong', ...figures({ total: 1, open: 1, overdue: 1 }) },
    ]);
    const cadres = ((await unitA.get('/cadres?unitId=dahua&subtree=true', 200)).body as Array<{ id: string }>).map((c) => c.id).sort();
    expect(cadres).toEqual(['c-dahua', 'c-huangmao', 'c-qiangou']);

    // Scope follows the tree: 申中乡 may no longer act on the item, 大华镇 may.
    await unitB.post(`/items/${ITEMS.qiangou.id}/acknowledge`, {}, 403);
    await unitB.get(`/items/${ITEMS.qiangou.id}`, 403);
    const ack = await unitA.post(`/items/${ITEMS.qiangou.id}/acknowledge`, {}, 200);
    expect(ack.body.revision).toBe(1);
    await expectItem('qiangou', { status: 'in_progress', revision: 1, updatedAt: nineAm('2026-03-11') });
    await expectUnit(
      'dahua',
      { total: 1, struckOff: 1, closureRate: 1, onTimeRate: 1 },
      { total: 3, open: 2, awaitingReview: 1, struckOff: 1, closureRate: 1 / 3, onTimeRate: 1 },
    );
  });

  step('6b. the village renamed 大华镇前沟村党支部 keeps its figures', async () => {
    const renamed = '大华镇前沟村党支部';
    await org.post(`/units/${UNITS.qiangou.id}/rename`, { name: renamed }, 200);
    const units = (await org.get('/units', 200)).body as Array<Record<string, unknown>>;
    expect(units.find((u) => u.id === 'qiangou')).toMatchObject({ name: renamed, parentId: 'dahua', path: '/county/dahua/qiangou/' });
    await expectUnit('qiangou', { total: 1, open: 1 }, { total: 1, open: 1 });
    await expectChildren('dahua', [
      { unitId: 'huangmao', name: UNITS.huangmao.name, total: 1, open: 1, awaitingReview: 1 },
      { unitId: 'qiangou', name: renamed, total: 1, open: 1 },
    ]);
    await expectUnit(
      'dahua',
      { total: 1, struckOff: 1, closureRate: 1, onTimeRate: 1 },
      { total: 3, open: 2, awaitingReview: 1, struckOff: 1, closureRate: 1 / 3, onTimeRate: 1 },
    );
    await expectCadre('c-qiangou', { total: 1, open: 1 });
  });

  step('6c. 2026-03-12: 申中乡 finally reports; concluded two days late, it counts against the on-time rate', async () => {
    ledger.setDay('2026-03-12');
    await unitB.post(`/items/${ITEMS.shenzhong.id}/acknowledge`, {}, 200);
    const reported = await unitB.post(
      `/items/${ITEMS.shenzhong.id}/complete`,
      { summary: '已补报第一季度“三会一课”会议记录', evidence: [EVIDENCE.minutes] },
      200,
    );
    expect(reported.body.revision).toBe(9);
    const concluded = await inspector.post(`/items/${ITEMS.shenzhong.id}/conclude`, { note: '逾期办结' }, 200);
    expect(concluded.body.revision).toBe(10);
    await expectItem('shenzhong', { status: 'concluded', revision: 10, urgeLevel: 'listed', updatedAt: nineAm('2026-03-12') });
    await expectUnit(
      'shenzhong',
      { total: 1, concluded: 1, closureRate: 1, onTimeRate: 0 },
      { total: 2, open: 1, concluded: 1, closureRate: 0.5, onTimeRate: 0 },
    );
    // dh-1 struck off on time, sz-1 concluded late; hm-1 reported, mb-1 and qg-1 open and not yet due.
    await expectUnit('county', {}, { total: 5, open: 3, awaitingReview: 1, concluded: 1, struckOff: 1, closureRate: 0.4, onTimeRate: 0.5 });
    await expectChildren('county', [
      { unitId: 'dahua', name: UNITS.dahua.name, total: 3, open: 2, awaitingReview: 1, struckOff: 1, closureRate: 1 / 3, onTimeRate: 1 },
      { unitId: 'shenzhong', name: UNITS.shenzhong.name, total: 2, open: 1, concluded: 1, closureRate: 0.5, onTimeRate: 0 },
    ]);
    await expectCadre('c-shenzhong', { total: 1, concluded: 1, closureRate: 1, onTimeRate: 0 });
    expect(await itemIds(org, '&light=red')).toEqual({ ids: [], total: 0 });
  });

  step(`7. the read models live in ${engine} and include every event of the story`, async () => {
    // Every event the story wrote, gap-free: 6 units + 6 cadres; the sheet and its number's claim; 5 items;
    // 7 on 大华镇's item; 7 on 申中乡's; 2 on 黄茂村's; the move (its claim on the tree stream, then UnitMoved),
    // 前沟村's acknowledgement, the rename; 3 more on 申中乡's.
    if (gapFree) expect(ledger.position).toBe(String(12 + 2 + 5 + 7 + 7 + 2 + 4 + 3));
    const ready = await ledger.http.get('/health/ready').expect(200);
    expect(ready.body).toEqual({ status: 'ok', engine, head: ledger.position, checkpoint: ledger.position, lag: '0' });
    const [checkpoint] = await ledger.readModelsSql('SELECT position FROM rm_checkpoint');
    expect(String(checkpoint.position)).toBe(ledger.position);
    const items = await ledger.readModelsSql('SELECT id, status FROM rm_item ORDER BY id');
    expect(items.map((r) => [r.id, r.status])).toEqual([
      ['dh-1', 'struck_off'],
      ['hm-1', 'reported'],
      ['mb-1', 'assigned'],
      ['qg-1', 'in_progress'],
      ['sz-1', 'concluded'],
    ]);
  });
}
