import { startTestApp, type TestApp } from '../apps/api/src/testing/harness';

describe('API commands: the closed loop over HTTP', () => {
  let t: TestApp;
  let admin: string;
  let orgDept: string;
  let inspector: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = t.token('admin');
    orgDept = t.token('org_dept');
    inspector = t.token('inspector');
  });
  afterAll(() => t.close());

  const post = (path: string, body: unknown, token: string) =>
    t.http
      .post(`/api/v1${path}`)
      .set('Authorization', `Bearer ${token}`)
      .send(body as object);

  async function county(): Promise<{ county: string; township: string; village: string; cadre: string; sheet: string }> {
    const c = await post('/units', { id: 'county', name: '中共湟源县委员会', kind: 'county_committee' }, admin).expect(201);
    expect(c.body).toEqual({ id: 'county', revision: 0, position: expect.stringMatching(/^\d+$/) });
    await post('/units', { id: 'heping', name: '中共和平乡委员会', kind: 'township_committee', parentId: 'county' }, admin).expect(201);
    const v = await post('/units', { name: '和平乡茶曲村党支部', kind: 'branch', parentId: 'heping' }, orgDept).expect(201);
    const cadre = await post('/cadres', { name: '张三', unitId: v.body.id, post: '村党支部书记' }, orgDept).expect(201);
    const sheet = await post('/sheets', { number: '源办〔2026〕1号', title: '2026年度基层党建责任清单', issuedOn: '2026-03-01' }, orgDept).expect(201);
    return { county: 'county', township: 'heping', village: v.body.id, cadre: cadre.body.id, sheet: sheet.body.id };
  }

  it('assigns, acknowledges, reports, concludes and strikes off an item, with revisions and positions', async () => {
    const k = await county();
    const item = await post(
      '/items',
      { sheetId: k.sheet, title: '规范村级组织活动场所', unitId: k.village, cadreId: k.cadre, dueDate: '2026-04-30' },
      orgDept,
    ).expect(201);
    expect(item.body.revision).toBe(0);
    const itemId: string = item.body.id;
    expect(itemId).toMatch(/^[0-9a-f-]{36}$/);
    // Scope for a unit user comes from the read models: wait for them to include the tree.
    await t.projected(item.body.position);

    const township = t.token('unit', k.township);
    const ack = await post(`/items/${itemId}/acknowledge`, {}, township).expect(200);
    expect(ack.body).toMatchObject({ id: itemId, revision: 1 });
    await post(`/items/${itemId}/progress`, { note: '已制定方案', evidence: [{ name: '方案.pdf', size: 1024, sha256: 'a'.repeat(64) }] }, township).expect(200);
    const done = await post(`/items/${itemId}/complete`, { summary: '已完成' }, township).expect(200);
    expect(done.body.revision).toBe(3);
    await post(`/items/${itemId}/conclude`, { note: '同意办结' }, inspector).expect(200);
    const off = await post(`/items/${itemId}/strike-off`, {}, orgDept).expect(200);
    expect(off.body.revision).toBe(5);

    const events = await t.store.readStream(`item-${itemId}`);
    expect(events.map((e) => e.type)).toEqual(['ItemAssigned', 'ItemAcknowledged', 'ProgressReported', 'CompletionReported', 'ItemConcluded', 'ItemStruckOff']);
    expect(BigInt(off.body.position)).toBe(events[5].position);
    const meta = events[1].metadata;
    expect(meta.actor).toMatchObject({ userId: 'user-unit', role: 'unit', unitId: k.township });
    // The fixed clock: 09:00 county time, with the +08:00 offset.
    expect(meta.recordedAt).toBe('2026-03-02T09:00:00.000+08:00');
    expect(meta.correlationId).toEqual(expect.any(String));
    expect(meta.causationId).toEqual(expect.any(String));
  });

  it('records X-Request-Id as the correlation id of every event of the request', async () => {
    const res = await t.http
      .post('/api/v1/units')
      .set('Authorization', `Bearer ${admin}`)
      .set('X-Request-Id', 'req-42')
      .send({ id: 'organs', name: '县直机关党工委', kind: 'working_committee', parentId: 'county' })
      .expect(201);
    const [e] = await t.store.readStream('unit-organs');
    expect(e.metadata.correlationId).toBe('req-42');
    expect(res.body.id).toBe('organs');
  });

  it('keeps a unit user out of another subtree (403 OUT_OF_SCOPE) and writes nothing', async () => {
    await post('/units', { id: 'dahua', name: '中共大华镇委员会', kind: 'township_committee', parentId: 'county' }, admin).expect(201);
    const cadre = await post('/cadres', { name: '李四', unitId: 'dahua', post: '党委书记' }, orgDept).expect(201);
    const sheet = await post('/sheets', { number: '源办〔2026〕2号', title: '第二批', issuedOn: '2026-03-01' }, orgDept).expect(201);
    const item = await post(
      '/items',
      { sheetId: sheet.body.id, title: '事项', unitId: 'dahua', cadreId: cadre.body.id, dueDate: '2026-05-01' },
      orgDept,
    ).expect(201);
    await t.projected(item.body.position);
    const head = await t.store.headPosition();
    const res = await post(`/items/${item.body.id}/acknowledge`, {}, t.token('unit', 'heping')).expect(403);
    expect(res.body.code).toBe('OUT_OF_SCOPE');
    expect(await t.store.headPosition()).toBe(head);
  });

  it('refuses a second sheet with a taken number: 409 SHEET_NUMBER_TAKEN', async () => {
    await post('/sheets', { number: '源办〔2026〕9号', title: 'A', issuedOn: '2026-03-01' }, orgDept).expect(201);
    const res = await post('/sheets', { number: '源办〔2026〕9号', title: 'B', issuedOn: '2026-03-01' }, orgDept).expect(409);
    expect(res.body).toMatchObject({ status: 409, code: 'SHEET_NUMBER_TAKEN' });
  });

  it('records and revokes an accountability decision, answering the decision id', async () => {
    const k = { cadre: (await post('/cadres', { name: '王五', unitId: 'heping', post: '党委书记' }, orgDept).expect(201)).body.id as string };
    const sheet = await post('/sheets', { number: '源办〔2026〕3号', title: '第三批', issuedOn: '2026-03-01' }, orgDept).expect(201);
    const item = await post('/items', { sheetId: sheet.body.id, title: '问责事项', unitId: 'heping', cadreId: k.cadre, dueDate: '2026-03-10' }, orgDept).expect(
      201,
    );
    const discipline = t.token('discipline');
    await post(`/items/${item.body.id}/accountability/refer`, { target: { kind: 'cadre', id: k.cadre }, to: 'discipline' }, inspector).expect(200);
    const decided = await post(
      `/items/${item.body.id}/accountability/decide`,
      {
        target: { kind: 'cadre', id: k.cadre },
        form: 'admonishment',
        dispositionForm: 1,
        decidedBy: '湟源县纪委监委',
        decidedOn: '2026-03-02',
        reason: '履责不力',
      },
      discipline,
    ).expect(200);
    expect(decided.body.id).not.toBe(item.body.id);
    const revoked = await post(`/items/${item.body.id}/accountability/${decided.body.id}/revoke`, { reason: '申诉成立' }, discipline).expect(200);
    expect(revoked.body).toMatchObject({ id: decided.body.id, revision: 3 });
  });
});
