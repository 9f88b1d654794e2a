/**
 * Over HTTP: an item's timeline with the names of then (a unit renamed later
 * keeps its old name in old entries, a cadre transferred keeps their old unit) and a Chinese label per
 * event; the inspectors' figures per item, per unit (subtree) and per cadre over a period.
 */
import { nineAm, startLedger, type Client, type Ledger } from './support/ledger';

describe('inspectors: timelines with the names of then, and figures (SQLite)', () => {
  let ledger: Ledger;
  let inspector: Client;

  beforeAll(async () => {
    ledger = await startLedger({ engine: 'sqlite', at: nineAm('2026-01-05') });
    const org = ledger.as('org_dept');
    inspector = ledger.as('inspector');
    const v1 = ledger.as('unit', 'V1');
    const v2 = ledger.as('unit', 'V2');
    await org.post('/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }, 201);
    await org.post('/units', { id: 'T1', name: '和平乡党委', kind: 'township_committee', parentId: 'C' }, 201);
    await org.post('/units', { id: 'V1', name: '茶曲村党支部', kind: 'branch', parentId: 'T1' }, 201);
    await org.post('/units', { id: 'V2', name: '前沟村党支部', kind: 'branch', parentId: 'T1' }, 201);
    await org.post('/cadres', { id: 'K1', name: '张三', unitId: 'V1', post: '书记' }, 201);
    await org.post('/cadres', { id: 'K2', name: '李四', unitId: 'V2', post: '书记' }, 201);
    await org.post('/cadres', { id: 'L1', name: '王书记', unitId: 'T1', post: '书记' }, 201);
    await org.post('/sheets', { id: 's1', number: '湟组交〔2026〕3号', title: '基层党建整改', issuedOn: '2026-01-05' }, 201);
    await org.post('/items', { id: 'A', sheetId: 's1', title: '规范活动场所', unitId: 'V1', cadreId: 'K1', leaderId: 'L1', dueDate: '2026-01-20' }, 201);
    await org.post('/items', { id: 'B', sheetId: 's1', title: '补齐会议记录', unitId: 'V2', cadreId: 'K2', dueDate: '2026-01-31' }, 201);
    ledger.setDay('2026-01-06');
    await v1.post('/items/A/acknowledge', {}, 200);
    await v2.post('/items/B/acknowledge', {}, 200);
    ledger.setDay('2026-01-08');
    await inspector.post('/items/A/urge', { level: 'reminder' }, 200);
    await inspector.post('/items/A/urge', { level: 'urge' }, 200);
    ledger.setDay('2026-01-10');
    await v1.post('/items/A/complete', { summary: '已完成' }, 200);
    ledger.setDay('2026-01-12');
    await inspector.post('/items/A/return', { reason: '佐证不足' }, 200);
    await org.post('/units/V1/rename', { name: '茶曲村党总支' }, 200);
    ledger.setDay('2026-01-13');
    await v1.post('/items/A/extension/request', { newDueDate: '2026-01-30', reason: '等待验收' }, 200);
    await org.post('/items/A/extension/grant', {}, 200);
    ledger.setDay('2026-01-14');
    await org.post('/cadres/K1/transfer', { unitId: 'V2', post: '委员' }, 200);
    ledger.setDay('2026-01-15');
    await org.post('/items/A/reassign', { unitId: 'V2', cadreId: 'K1', reason: '属地调整' }, 200);
    ledger.setDay('2026-01-18');
    await v2.post('/items/A/complete', { summary: '已整改完毕' }, 200);
    await inspector.post('/items/A/conclude', { note: '同意办结' }, 200);
    ledger.setDay('2026-01-20');
    await inspector.post('/items/B/urge', { level: 'notice' }, 200);
    ledger.setDay('2026-01-25');
    await v2.post('/items/B/complete', { summary: '已补齐' }, 200);
    ledger.setDay('2026-01-26');
    await inspector.post('/items/B/conclude', {}, 200);
    ledger.setDay('2026-03-02');
    // Renamed again after everything: no entry may show it.
    await org.post('/units/V2/rename', { name: '前沟村党总支' }, 200);
  }, 120_000);

  afterAll(async () => {
    await ledger?.close();
  });

  it('labels every entry and names the units and cadres as they were then', async () => {
    const history = (await inspector.get('/items/A/history', 200)).body as Array<{ type: string; label: string; names: Record<string, unknown> }>;
    expect(history.map((h) => [h.type, h.label])).toEqual([
      ['ItemAssigned', '交办'],
      ['ItemAcknowledged', '签收'],
      ['ItemUrged', '督促'],
      ['ItemUrged', '督促'],
      ['CompletionReported', '办结反馈'],
      ['CompletionReturned', '退回'],
      ['ExtensionRequested', '申请延期'],
      ['ExtensionGranted', '批准延期'],
      ['ItemReassigned', '调整承办'],
      ['CompletionReported', '办结反馈'],
      ['ItemConcluded', '办结'],
    ]);
    // API.md's fields are still there.
    expect(Object.keys(history[0])).toEqual(expect.arrayContaining(['type', 'data', 'actor', 'recordedAt', 'revision', 'position', 'label', 'names']));
    const [assigned, acknowledged, , , , returned, requested, , reassigned, completed] = history;
    expect(assigned.names).toEqual({
      unit: { id: 'V1', name: '茶曲村党支部' },
      cadre: { id: 'K1', name: '张三', post: '书记', unit: { id: 'V1', name: '茶曲村党支部' } },
      actorUnit: null,
      leader: { id: 'L1', name: '王书记' },
    });
    expect(acknowledged.names.actorUnit).toEqual({ id: 'V1', name: '茶曲村党支部' });
    // The return came before the rename that same morning; the request after it.
    expect(returned.names.unit).toEqual({ id: 'V1', name: '茶曲村党支部' });
    expect(requested.names.unit).toEqual({ id: 'V1', name: '茶曲村党总支' });
    expect(requested.names.actorUnit).toEqual({ id: 'V1', name: '茶曲村党总支' });
    expect(requested.names.cadre).toEqual({ id: 'K1', name: '张三', post: '书记', unit: { id: 'V1', name: '茶曲村党总支' } });
    // Reassigned after K1's transfer: the new unit, the unit before, and K1 in V2 as 委员.
    expect(reassigned.names).toMatchObject({
      unit: { id: 'V2', name: '前沟村党支部' },
      previousUnit: { id: 'V1', name: '茶曲村党总支' },
      cadre: { id: 'K1', name: '张三', post: '委员', unit: { id: 'V2', name: '前沟村党支部' } },
      previousCadre: { id: 'K1', name: '张三', post: '委员', unit: { id: 'V2', name: '前沟村党支部' } },
    });
    expect(completed.names.actorUnit).toEqual({ id: 'V2', name: '前沟村党支部' });
    // The tree of now says otherwise.
    const units = (await inspector.get('/units', 200)).body as Array<{ id: string; name: string }>;
    expect(units.filter((u) => u.id === 'V1' || u.id === 'V2').map((u) => u.name)).toEqual(['茶曲村党总支', '前沟村党总支']);
  });

  it('counts what the item took: days to conclusion, returns, extensions, urges', async () => {
    expect((await inspector.get('/items/A/figures', 200)).body).toEqual({
      itemId: 'A',
      assignedOn: '2026-01-05',
      concludedOn: '2026-01-18',
      daysToConclusion: 13,
      returns: 1,
      extensionRequests: 1,
      extensions: 1,
      extensionRefusals: 0,
      urges: 2,
      urgesByLevel: { reminder: 1, urge: 1, notice: 0, listed: 0 },
      reopenings: 0,
      deadlinesMissed: 0,
      accountabilityDecisions: 0,
    });
    await inspector.get('/items/nope/figures', 404);
    await ledger.as('unit', 'V1').get('/items/A/figures', 403);
  });

  it('answers per unit subtree, per unit alone, per cadre and per period, attributed to the unit and cadre of then', async () => {
    const january = 'from=2026-01-01&to=2026-01-31';
    expect((await inspector.get(`/inspection/figures?unitId=T1&${january}`, 200)).body).toEqual({
      from: '2026-01-01',
      to: '2026-01-31',
      unitId: 'T1',
      cadreId: null,
      subtree: true,
      assigned: 2,
      returns: 1,
      extensions: 1,
      urges: 3,
      concluded: 2,
      daysToConclusion: { mean: 17, median: 17, min: 13, max: 21 },
      perConcludedItem: { returns: 0.5, extensions: 0.5, urges: 1.5 },
    });
    // 茶曲村 alone: everything of A before the reassignment, not its conclusion (handled by 前沟村 then).
    expect((await inspector.get(`/inspection/figures?unitId=V1&subtree=false&${january}`, 200)).body).toMatchObject({
      assigned: 1,
      returns: 1,
      extensions: 1,
      urges: 2,
      concluded: 0,
      daysToConclusion: null,
      perConcludedItem: null,
    });
    expect((await inspector.get(`/inspection/figures?cadreId=K2&${january}`, 200)).body).toMatchObject({
      unitId: null,
      cadreId: 'K2',
      assigned: 1,
      returns: 0,
      extensions: 0,
      urges: 1,
      concluded: 1,
      daysToConclusion: { mean: 21, median: 21, min: 21, max: 21 },
      perConcludedItem: { returns: 0, extensions: 0, urges: 1 },
    });
    expect((await inspector.get('/inspection/figures?unitId=T1&from=2026-01-19', 200)).body).toMatchObject({
      assigned: 0,
      returns: 0,
      extensions: 0,
      urges: 1,
      concluded: 1,
      daysToConclusion: { mean: 21, median: 21 },
    });
    // A unit user: its own subtree by default; both conclusions were 前沟村's.
    expect((await ledger.as('unit', 'V2').get(`/inspection/figures?${january}`, 200)).body).toMatchObject({
      unitId: 'V2',
      assigned: 1,
      returns: 0,
      urges: 1,
      concluded: 2,
      daysToConclusion: { mean: 17, median: 17, min: 13, max: 21 },
      perConcludedItem: { returns: 0.5, extensions: 0.5, urges: 1.5 },
    });
  });

  it('lets inspectors, discipline and the organisation department ask; a unit only within its subtree', async () => {
    await ledger.as('discipline').get('/inspection/figures?unitId=T1', 200);
    await ledger.as('org_dept').get('/inspection/figures', 200);
    await ledger.as('admin').get('/inspection/figures', 403);
    await ledger.as('unit', 'V2').get('/inspection/figures?unitId=T1', 403);
    await inspector.get('/inspection/figures?unitId=nope', 404);
    await inspector.get('/inspection/figures?from=2026-02-01&to=2026-01-01', 400);
    await inspector.get('/inspection/figures?from=2026-02-30', 400);
  });
});
