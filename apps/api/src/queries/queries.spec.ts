import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { UserRole } from '@ledger/contracts/events';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { FixedClock, loadConfig, resolveJwtSecret, signToken, sqliteEventStoreFile, type LedgerConfig } from '@ledger/platform';
import { EventScript } from '@ledger/read-models/testing/county-script';
import { scriptedCounty } from '@ledger/read-models/testing/scripted-county';
import { openReadModels, startProjector } from '@ledger/read-models';
import { createApp, inProcessProjector } from '../create-app';

const API = '/api/v1';

describe('query routes over the read models (real app, real SQLite, projector in-process)', () => {
  let dir: string;
  let config: LedgerConfig;
  let store: EventStore;
  let app: INestApplication;
  let head: string;

  const token = (role: UserRole, unitId: string | null = null) => signToken({ sub: `${role}-${unitId ?? 'county'}`, role, unitId }, resolveJwtSecret(config));
  const get = (route: string, role: UserRole = 'org_dept', unitId: string | null = null, minPosition: string | null = head) => {
    const sep = route.includes('?') ? '&' : '?';
    return request(app.getHttpServer())
      .get(`${API}${route}${minPosition ? `${sep}minPosition=${minPosition}` : ''}`)
      .set('Authorization', `Bearer ${token(role, unitId)}`);
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-queries-'));
    config = loadConfig({ LEDGER_DATA_DIR: dir, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL' });
    store = await openSqliteEventStore({ file: sqliteEventStoreFile(config), synchronous: 'NORMAL' });
    app = await createApp({ config, store, clock: new FixedClock(new Date('2026-03-10T01:00:00Z')), projector: true, logger: false });
    await app.init();
    await scriptedCounty(new EventScript(store));
    head = (await store.headPosition()).toString();
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers the tree, scoped to a unit user’s subtree', async () => {
    const all = await get('/units').expect(200);
    expect(all.body.map((u: { id: string }) => u.id)).toEqual(['C', 'T1', 'V1', 'V2', 'T2', 'V3']);
    expect(all.body[2]).toEqual({ id: 'V1', name: '茶曲村党支部', kind: 'branch', parentId: 'T1', path: '/C/T1/V1/', dissolved: false });
    const mine = await get('/units', 'unit', 'T1').expect(200);
    expect(mine.body.map((u: { id: string }) => u.id)).toEqual(['T1', 'V1', 'V2']);
    await request(app.getHttpServer()).get(`${API}/units`).expect(401);
  });

  it('lists items filtered, paged and scoped; 400 on a bad query', async () => {
    const red = await get('/items?light=red').expect(200);
    expect(red.body).toMatchObject({ total: 2, page: 1, pageSize: 20 });
    expect(red.body.items.map((i: { id: string }) => i.id)).toEqual(['I8', 'I1']);
    const scoped = await get('/items?light=red', 'unit', 'T1').expect(200);
    expect(scoped.body.items.map((i: { id: string }) => i.id)).toEqual(['I1']);
    const page = await get('/items?status=assigned,in_progress&unitId=T1&subtree=true&sort=-dueDate&page=1&pageSize=2').expect(200);
    expect(page.body).toMatchObject({ total: 3, pageSize: 2 });
    expect(page.body.items.map((i: { id: string }) => i.id)).toEqual(['I7', 'I2']);

    for (const bad of [
      'light=purple',
      'page=0',
      'pageSize=500',
      'dueFrom=2026-02-30',
      'status=open',
      'subtree=yes',
      'sort=id',
      'unitId=a/b',
      'colour=red',
      'minPosition=-1',
    ]) {
      const res = await get(`/items?${bad}`, 'org_dept', null, null).expect(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.length).toBeGreaterThan(0);
    }
  });

  it('answers one item with its ETag, and its history from the store; 404 and 403 where due', async () => {
    const item = await get('/items/I1').expect(200);
    expect(item.headers.etag).toBe('"7"');
    expect(item.body).toMatchObject({ id: 'I1', status: 'in_progress', light: 'red', overdue: true, urgeLevel: 'listed', accountabilityCount: 1, revision: 7 });
    await get('/items/nope').expect(404);
    await get('/items/I1', 'unit', 'T2').expect(403);
    await get('/items/I1', 'unit', 'T1').expect(200);

    const history = await get('/items/I1/history', 'inspector').expect(200);
    expect(history.body.map((e: { type: string }) => e.type)).toEqual([
      'ItemAssigned',
      'ItemAcknowledged',
      'ItemUrged',
      'ItemUrged',
      'ItemUrged',
      'AccountabilityDecided',
      'AccountabilityDecided',
      'AccountabilityRevoked',
    ]);
    expect(history.body.map((e: { revision: number }) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(typeof history.body[0].position).toBe('string');
    expect(history.body[0]).toMatchObject({ data: { itemId: 'I1', unitId: 'V1' }, actor: { role: 'org_dept' } });
    await get('/items/nope/history').expect(404);
    await get('/items/I1/history', 'unit', 'T2').expect(403);
  });

  it('answers figures per unit, per child, per cadre, and the register', async () => {
    const t1 = await get('/units/T1/outstanding').expect(200);
    expect(t1.body).toEqual({
      total: 6,
      open: 4,
      overdue: 1,
      dueSoon: 1,
      awaitingReview: 1,
      concluded: 1,
      struckOff: 1,
      withdrawn: 0,
      closureRate: 2 / 6,
      onTimeRate: 0.5,
    });
    expect((await get('/units/T1/outstanding?subtree=false').expect(200)).body.total).toBe(0);
    await get('/units/T1/outstanding', 'unit', 'T2').expect(403);
    await get('/units/zzz/outstanding').expect(404);
    const children = await get('/units/C/children/outstanding').expect(200);
    expect(children.body.map((r: { unitId: string; total: number }) => [r.unitId, r.total])).toEqual([
      ['T1', 6],
      ['T2', 2],
    ]);
    expect((await get('/cadres/K1/outstanding').expect(200)).body.total).toBe(4);
    await get('/cadres/K1/outstanding', 'unit', 'T2').expect(403);
    await get('/cadres/nope/outstanding').expect(404);
    const perCadre = await get('/cadres/outstanding?unitId=T1').expect(200);
    expect(perCadre.body.map((r: { cadreId: string; name: string }) => [r.cadreId, r.name])).toEqual([
      ['K1', '张三'],
      ['K2', '李四'],
    ]);
    expect((await get('/cadres', 'unit', 'T2').expect(200)).body.map((c: { id: string }) => c.id)).toEqual(['K3']);
    await get('/cadres?unitId=T1', 'unit', 'T2').expect(403);

    const register = await get('/accountability?targetKind=cadre&targetId=K1&from=2026-03-01&to=2026-03-31', 'discipline').expect(200);
    expect(register.body).toEqual([
      expect.objectContaining({
        itemId: 'I1',
        decisionId: 'D1',
        target: { kind: 'cadre', id: 'K1' },
        form: 'admonishment',
        dispositionForm: 1,
        revoked: false,
      }),
      expect.objectContaining({ decisionId: 'D2', revoked: true }),
    ]);
    expect((await get('/accountability', 'unit', 'T2').expect(200)).body).toEqual([]);
    await get('/accountability?form=beheading').expect(400);
  });

  it('waits for minPosition, and answers 503 with Retry-After when the read models stay behind', async () => {
    const ahead = (BigInt(head) + 1000n).toString();
    const res = await get('/units', 'org_dept', null, ahead).expect(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.body.code).toBe('READ_MODELS_BEHIND');

    // With the projector stopped, a query for a newer position waits; a projector started after the
    // request went out brings the read models there, and the same request answers 200.
    await inProcessProjector(app)!.stop();
    const appended = await new EventScript(store).unit('T3', '巴燕乡党委', 'C', 'township_committee');
    const pending = get('/units', 'org_dept', null, appended.position.toString()).then((r) => r);
    const ds = await openReadModels(config);
    const projector = await startProjector(ds, store);
    try {
      const answered = await pending;
      expect(answered.status).toBe(200);
      expect(answered.body.map((u: { id: string }) => u.id)).toContain('T3');
    } finally {
      await projector.stop();
      await ds.destroy();
    }
  });
});
