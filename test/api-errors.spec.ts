import { signToken } from '@ledger/platform';
import { startTestApp, type TestApp } from '../apps/api/src/testing/harness';

const PROBLEM = /^application\/problem\+json/;

describe('API errors: one filter, RFC 9457 problem details, never a 500 for client input', () => {
  let t: TestApp;
  let orgDept: string;
  let itemId: string;
  const post = (path: string, body: unknown, token?: string) => {
    const r = t.http.post(`/api/v1${path}`);
    if (token) r.set('Authorization', `Bearer ${token}`);
    return r.send(body as object);
  };

  beforeAll(async () => {
    t = await startTestApp();
    orgDept = t.token('org_dept');
    const admin = t.token('admin');
    await post('/units', { id: 'county', name: '县委', kind: 'county_committee' }, admin).expect(201);
    await post('/units', { id: 'heping', name: '和平乡党委', kind: 'township_committee', parentId: 'county' }, admin).expect(201);
    await post('/cadres', { id: 'zhang', name: '张三', unitId: 'heping', post: '书记' }, orgDept).expect(201);
    await post('/sheets', { id: 's1', number: 'S-1', title: '清单', issuedOn: '2026-03-01' }, orgDept).expect(201);
    itemId = (await post('/items', { sheetId: 's1', title: '事项', unitId: 'heping', cadreId: 'zhang', dueDate: '2026-04-30' }, orgDept).expect(201)).body.id;
  });
  afterAll(() => t.close());

  describe('authentication and roles', () => {
    it('401 without a token, as problem+json with WWW-Authenticate', async () => {
      const res = await post('/units', { name: 'x', kind: 'branch' }).expect(401);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', title: 'Unauthorized', type: expect.any(String), detail: expect.any(String) });
    });

    it('401 for a token signed with another secret, a malformed token, or claims that do not fit', async () => {
      await post('/units', {}, signToken({ sub: 'x', role: 'admin' }, 'another-secret-0123456789')).expect(401);
      await post('/units', {}, 'not.a.jwt').expect(401);
      const jwt = await import('jsonwebtoken');
      await post('/units', {}, jwt.sign({ sub: 'x', role: 'emperor' }, 'api-test-secret-0123456789')).expect(401);
      await post('/units', {}, jwt.sign({ sub: 'x', role: 'unit' }, 'api-test-secret-0123456789')).expect(401);
      await post('/units', {}, jwt.sign({ sub: 'x', role: 'admin' }, 'api-test-secret-0123456789', { algorithm: 'HS512' })).expect(401);
    });

    it('403 when the role may not call the route, before anything is read or written', async () => {
      const head = await t.store.headPosition();
      const res = await post('/sheets', { number: 'S-2', title: 't', issuedOn: '2026-03-01' }, t.token('inspector')).expect(403);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.code).toBe('ROLE_FORBIDDEN');
      await post(`/items/${itemId}/conclude`, {}, t.token('unit', 'heping')).expect(403);
      await post(`/items/${itemId}/accountability/decide`, {}, t.token('inspector')).expect(403);
      expect(await t.store.headPosition()).toBe(head);
    });
  });

  describe('validation (400 with errors per field)', () => {
    const expectFieldErrors = async (path: string, body: unknown, fields: string[]) => {
      const res = await post(path, body, orgDept).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([...fields].sort());
    };

    it('names every bad field: missing, wrong type, wrong enum, unknown field', async () => {
      await expectFieldErrors('/units', { name: 7, kind: 'kingdom', colour: 'red' }, ['name', 'kind', 'colour']);
      await expectFieldErrors('/items', { sheetId: 's1', unitId: 'heping', cadreId: 'zhang', dueDate: '2026-04-30' }, ['title']);
    });

    it('refuses dates that do not exist, over-long text, unsafe ids and bad sha-256', async () => {
      await expectFieldErrors('/sheets', { number: 'S-3', title: 't', issuedOn: '2026-02-30' }, ['issuedOn']);
      await expectFieldErrors('/sheets', { number: 'S-3', title: 'x'.repeat(201), issuedOn: '2026-03-01' }, ['title']);
      await expectFieldErrors('/units', { id: '../etc/passwd', name: 'n', kind: 'branch', parentId: 'county' }, ['id']);
      await expectFieldErrors(`/items/${itemId}/urge`, { level: 'shout' }, ['level']);
      const unit = t.token('unit', 'heping');
      const res = await post(`/items/${itemId}/progress`, { note: 'n', evidence: [{ name: 'a.pdf', size: -1, sha256: 'xyz' }] }, unit).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['evidence.0.sha256', 'evidence.0.size']);
    });

    it('requires unitId or cadreId on reassign', async () => {
      await expectFieldErrors(`/items/${itemId}/reassign`, { reason: '调整' }, ['unitId']);
    });

    it('400 for an id in the path that cannot be an id', async () => {
      const res = await post('/items/bad%20id!/conclude', {}, orgDept).expect(400);
      expect(res.body.errors[0].field).toBe('id');
    });

    it('400 for malformed JSON and for a body that is not an object, never 500', async () => {
      const bad = await t.http
        .post('/api/v1/units')
        .set('Authorization', `Bearer ${orgDept}`)
        .set('Content-Type', 'application/json')
        .send('{"name": ')
        .expect(400);
      expect(bad.headers['content-type']).toMatch(PROBLEM);
      expect(bad.body.code).toBe('MALFORMED_JSON');
      const arr = await t.http
        .post('/api/v1/units')
        .set('Authorization', `Bearer ${orgDept}`)
        .set('Content-Type', 'application/json')
        .send('[1,2]')
        .expect(400);
      expect(arr.body.code).toBe('BODY_NOT_AN_OBJECT');
    });

    it('413 for a body over 1 MB (a 10 MB title), as problem details', async () => {
      const res = await post('/sheets', { number: 'S-4', title: 'x'.repeat(10 * 1024 * 1024), issuedOn: '2026-03-01' }, orgDept).expect(413);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE' });
    });
  });

  describe('domain answers', () => {
    it('404 for a command on an item that does not exist', async () => {
      const res = await post('/items/no-such-item/conclude', {}, orgDept).expect(404);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ status: 404, code: 'ITEM_NOT_FOUND' });
      await post('/units/nowhere/rename', { name: 'x' }, orgDept).expect(404);
    });

    it('409 with the rule code for an illegal transition, and the store is left unchanged', async () => {
      const head = await t.store.headPosition();
      const res = await post(`/items/${itemId}/conclude`, {}, orgDept).expect(409);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ status: 409, code: 'ITEM_NOT_REPORTED', title: 'Conflict' });
      expect(await t.store.headPosition()).toBe(head);
      expect((await t.store.readStream(`item-${itemId}`)).length).toBe(1);
    });

    it('409 for a reference that does not exist (unknown parent)', async () => {
      const res = await post('/units', { name: '孤儿', kind: 'branch', parentId: 'ghost' }, orgDept).expect(409);
      expect(res.body.code).toBe('PARENT_NOT_FOUND');
    });

    it('412 for a stale If-Match; the matching revision goes through', async () => {
      const head = await t.store.headPosition();
      const stale = await t.http
        .post(`/api/v1/items/${itemId}/urge`)
        .set('Authorization', `Bearer ${orgDept}`)
        .set('If-Match', '"5"')
        .send({ level: 'reminder' })
        .expect(412);
      expect(stale.headers['content-type']).toMatch(PROBLEM);
      expect(stale.body).toMatchObject({ status: 412, code: 'STALE_REVISION', currentRevision: 0 });
      expect(await t.store.headPosition()).toBe(head);
      const ok = await t.http
        .post(`/api/v1/items/${itemId}/urge`)
        .set('Authorization', `Bearer ${orgDept}`)
        .set('If-Match', '"0"')
        .send({ level: 'reminder' })
        .expect(200);
      expect(ok.body.revision).toBe(1);
      await t.http
        .post(`/api/v1/items/${itemId}/urge`)
        .set('Authorization', `Bearer ${orgDept}`)
        .set('If-Match', 'garbage')
        .send({ level: 'reminder' })
        .expect(400);
    });

    it('404 as problem details for a route that does not exist', async () => {
      const res = await post('/nothing-here', {}, orgDept).expect(404);
      expect(res.headers['content-type']).toMatch(PROBLEM);
    });

    it('answers without naming its framework (no X-Powered-By, which security scans flag)', async () => {
      expect((await post('/nothing-here', {}, orgDept).expect(404)).headers['x-powered-by']).toBeUndefined();
      expect((await t.http.get('/health/live').expect(200)).headers['x-powered-by']).toBeUndefined();
    });
  });
});
