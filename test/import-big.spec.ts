import { bigCounty, bigXlsx } from '@ledger/sheets-io/testing/big-sheet';
import { startTestApp, type TestApp } from '../apps/api/src/testing/harness';

/** A county of 117 units and 371 cadres (names, as bigCounty gives them) and a 5,000-row 交办单. */
const ROWS = 5000;

describe('a 5,000-row sheet over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    const admin = t.token('admin');
    const county = bigCounty('2026-03-02');
    const post = (route: string, body: object) => t.http.post(`/api/v1${route}`).set('Authorization', `Bearer ${admin}`).send(body);
    await post('/units', { id: 'u-county', name: county.units[0].name, kind: 'county_committee' }).expect(201);
    for (const u of county.units.slice(1)) {
      const parentId = /^u-t\d+$/.test(u.id) ? 'u-county' : u.id.replace(/-v\d+$/, '');
      await post('/units', { id: u.id, name: u.name, kind: parentId === 'u-county' ? 'township_committee' : 'branch', parentId }).expect(201);
    }
    await Promise.all(county.cadres.map((c) => post('/cadres', { id: c.id, name: c.name, unitId: c.unitId, post: '书记' }).expect(201)));
  });
  afterAll(() => t.close());
  /** Events after `position`, without the seals the API's sealer appends every 1,000 events. */
  const ledgerEventsAfter = async (position: bigint) =>
    (await t.store.readAll({ after: position, limit: 100_000 })).filter((e) => e.type !== 'LedgerSealed').length;

  it('imports in seconds, and a re-import writes nothing', async () => {
    const file = await bigXlsx(bigCounty('2026-03-02'), ROWS);
    const before = await t.store.headPosition();
    const started = process.hrtime.bigint();
    const res = await t.http
      .post('/api/v1/sheets/import')
      .set('Authorization', `Bearer ${t.token('org_dept')}`)
      .field('number', '湟组交〔2026〕99号')
      .field('title', '基层党建重点任务')
      .field('issuedOn', '2026-03-02')
      .attach('file', file, '交办单.xlsx');
    const importMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(res.status).toBe(201);
    expect(res.body).toEqual(expect.objectContaining({ itemCount: ROWS, written: ROWS + 2 }));
    expect(await ledgerEventsAfter(before)).toBe(ROWS + 2);
    const afterImport = await t.store.headPosition();

    const again = process.hrtime.bigint();
    const re = await t.http
      .post('/api/v1/sheets/import')
      .set('Authorization', `Bearer ${t.token('org_dept')}`)
      .field('number', '湟组交〔2026〕99号')
      .field('title', '基层党建重点任务')
      .field('issuedOn', '2026-03-02')
      .attach('file', file, '交办单.xlsx')
      .expect(200);
    const reimportMs = Number(process.hrtime.bigint() - again) / 1e6;
    expect(re.body).toEqual({ ...res.body, alreadyImported: true, written: 0 });
    expect(await ledgerEventsAfter(afterImport)).toBe(0);

    await t.projected(res.body.position);
    const list = await t.http
      .get(`/api/v1/items?sheetId=${res.body.id}&pageSize=1`)
      .set('Authorization', `Bearer ${t.token('org_dept')}`)
      .expect(200);
    expect(list.body.total).toBe(ROWS);
    process.stdout.write(
      `5,000-row import: ${(file.length / 1024).toFixed(0)} KB xlsx, import ${importMs.toFixed(0)} ms, re-import ${reimportMs.toFixed(0)} ms\n`,
    );
  });
});
