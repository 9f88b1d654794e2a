import { SCHEMA_VERSIONS } from '@ledger/contracts/events';
import { importIds, sheetImportIds } from '@ledger/sheets-io';
import * as ExcelJS from 'exceljs';
import * as iconv from 'iconv-lite';
import { startTestApp, type TestApp } from '../apps/api/src/testing/harness';

/** A slice of Huangyuan: 张伟 serves in two townships (the row's unit tells which one is meant). */
const UNITS = [
  { id: 'county', name: '中共湟源县委员会', kind: 'county_committee' },
  { id: 'dahua', name: '大华镇党委', kind: 'township_committee', parentId: 'county' },
  { id: 'shenzhong', name: '申中乡党委', kind: 'township_committee', parentId: 'county' },
  { id: 'huangmao', name: '大华镇黄茂村党支部', kind: 'branch', parentId: 'dahua' },
];
const CADRES = [
  { id: 'c-county', name: '李建国', unitId: 'county', post: '县委书记' },
  { id: 'c-zw-dh', name: '张伟', unitId: 'dahua', post: '党委书记' },
  { id: 'c-zw-sz', name: '张伟', unitId: 'shenzhong', post: '党委书记' },
  { id: 'c-hm', name: '张永福', unitId: 'huangmao', post: '村党支部书记' },
];

const HEADER = ['序号', '事项', '办理要求', '责任单位', '配合单位', '责任人', '完成时间', '责任领导'];
type Row = [number, string, string, string, string, string, Date | string, string];
const excelDate = (iso: string) => new Date(`${iso}T00:00:00Z`);

const GOOD_ROWS: Row[] = [
  [1, '完成软弱涣散村党组织整顿', '制定整顿方案，召开专题组织生活会', '大华镇党委', '大华镇黄茂村党支部', '张伟', excelDate('2026-03-20'), '李建国'],
  [2, '落实“三会一课”制度', '3月底前报送会议记录', '申中乡党委', '', '张伟', excelDate('2026-03-31'), ''],
  [3, '规范村级组织活动场所', '标识标牌和制度上墙', '大华镇黄茂村党支部', '', '张永福', excelDate('2026-04-30'), '李建国'],
];

async function workbook(rows: Row[], title = '湟源县基层党建重点任务交办单'): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('交办单');
  ws.addRow([title]);
  ws.addRow(HEADER);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('POST /sheets/import (交办单导入)', () => {
  let t: TestApp;
  let org: string;
  const importSheet = (file: Buffer | null, fields: Record<string, string>, fileName = '交办单.xlsx', token = org) => {
    const req = t.http.post('/api/v1/sheets/import').set('Authorization', `Bearer ${token}`);
    for (const [k, v] of Object.entries(fields)) req.field(k, v);
    if (file) req.attach('file', file, fileName);
    return req;
  };
  const fields = (number: string) => ({ number, title: '2026年第一季度基层党建重点任务交办单', issuedOn: '2026-03-02', source: '县委组织部' });

  beforeAll(async () => {
    t = await startTestApp();
    org = t.token('org_dept');
    const admin = t.token('admin');
    for (const u of UNITS) await t.http.post('/api/v1/units').set('Authorization', `Bearer ${admin}`).send(u).expect(201);
    for (const c of CADRES) await t.http.post('/api/v1/cadres').set('Authorization', `Bearer ${admin}`).send(c).expect(201);
  });
  afterAll(() => t.close());

  it('imports a workbook: Excel dates, units and cadres by name; the items are listed with their ids and due dates', async () => {
    const file = await workbook(GOOD_ROWS);
    const res = await importSheet(file, fields('湟组交〔2026〕12号')).expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      itemCount: 3,
      revision: 0,
      position: expect.stringMatching(/^\d+$/),
      alreadyImported: false,
      written: 5,
    });
    expect(BigInt(res.body.position)).toBe(await t.store.headPosition());
    const [claim] = await t.store.readStream('sheet_number-湟组交〔2026〕12号');
    expect(claim.data).toEqual({ number: '湟组交〔2026〕12号', sheetId: res.body.id });
    expect(claim.metadata.actor).toEqual(expect.objectContaining({ role: 'org_dept', userId: 'user-org_dept' }));

    const list = await t.http
      .get(`/api/v1/items?sheetId=${res.body.id}&sort=dueDate&minPosition=${res.body.position}`)
      .set('Authorization', `Bearer ${org}`)
      .expect(200);
    expect(list.body.total).toBe(3);
    expect(list.body.items.map((i: Record<string, unknown>) => [i.title, i.unitId, i.cadreId, i.leaderId, i.dueDate, i.status, i.supportUnitIds])).toEqual([
      ['完成软弱涣散村党组织整顿', 'dahua', 'c-zw-dh', 'c-county', '2026-03-20', 'assigned', ['huangmao']],
      ['落实“三会一课”制度', 'shenzhong', 'c-zw-sz', null, '2026-03-31', 'assigned', []],
      ['规范村级组织活动场所', 'huangmao', 'c-hm', 'c-county', '2026-04-30', 'assigned', []],
    ]);
    expect(list.body.items[0].requirements).toBe('制定整顿方案，召开专题组织生活会');
  });

  it('a re-import of the same file under the same number writes nothing and names the same sheet', async () => {
    const file = await workbook(GOOD_ROWS);
    const number = '湟组交〔2026〕13号';
    const first = await importSheet(file, fields(number)).expect(201);
    const head = await t.store.headPosition();
    const again = await importSheet(file, fields(number)).expect(200);
    expect(again.body).toEqual({ ...first.body, alreadyImported: true, written: 0 });
    expect(await t.store.headPosition()).toBe(head);
  });

  it('the same number with another file is 409 SHEET_NUMBER_TAKEN, nothing written', async () => {
    const number = '湟组交〔2026〕14号';
    const first = await importSheet(await workbook(GOOD_ROWS), fields(number)).expect(201);
    const head = await t.store.headPosition();
    const other = await importSheet(await workbook(GOOD_ROWS.slice(0, 2)), fields(number)).expect(409);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(other.body).toEqual(
      expect.objectContaining({ status: 409, code: 'SHEET_NUMBER_TAKEN', details: expect.objectContaining({ sheetId: first.body.id }) }),
    );
    expect(await t.store.headPosition()).toBe(head);
  });

  it('a file with problems in several rows: 400 naming every row and column, nothing written', async () => {
    const head = await t.store.headPosition();
    const rows: Row[] = [
      GOOD_ROWS[0],
      [2, '', '无事项', '申中乡党委', '', '张伟', excelDate('2026-03-31'), ''],
      [3, '清理党费', '', '东峡镇党委', '', '王五', excelDate('2026-02-01'), ''],
      [4, '整理党员档案', '', '大华镇党委', '', '张伟', '2026年13月1日', ''],
    ];
    const res = await importSheet(await workbook(rows), fields('湟组交〔2026〕15号')).expect(400);
    expect(res.body.code).toBe('SHEET_ROWS_INVALID');
    const where = res.body.errors.map((e: { row: number; column: string }) => `${e.row}:${e.column}`);
    expect(where).toEqual(['4:事项', '5:责任单位', '5:责任人', '5:完成时间', '6:完成时间']);
    for (const e of res.body.errors) expect(e.message).toEqual(expect.any(String));
    expect(res.body.errors[2].message).toContain('王五');
    expect(await t.store.headPosition()).toBe(head);
    expect(await t.store.readStream('sheet_number-湟组交〔2026〕15号')).toEqual([]);
  });

  it('reads a GBK CSV (as Excel saves 「CSV」 on a Chinese Windows)', async () => {
    const text = [
      HEADER.join(','),
      '1,整理规范党员档案,逐人核对党员档案,大华镇黄茂村党支部,,张永福,2026/04/30,李建国',
      '2,壮大村集体经济,,申中乡党委,,张伟,2026年5月31日,',
    ].join('\r\n');
    const res = await importSheet(iconv.encode(text, 'gbk'), fields('湟组交〔2026〕16号'), '交办单.csv').expect(201);
    expect(res.body.itemCount).toBe(2);
    const list = await t.http
      .get(`/api/v1/items?sheetId=${res.body.id}&sort=dueDate&minPosition=${res.body.position}`)
      .set('Authorization', `Bearer ${org}`)
      .expect(200);
    expect(list.body.items.map((i: Record<string, unknown>) => [i.title, i.requirements, i.unitId, i.cadreId, i.leaderId, i.dueDate])).toEqual([
      ['整理规范党员档案', '逐人核对党员档案', 'huangmao', 'c-hm', 'c-county', '2026-04-30'],
      ['壮大村集体经济', '', 'shenzhong', 'c-zw-sz', null, '2026-05-31'],
    ]);
  });

  it('completes an import interrupted after the claim and the first item', async () => {
    const file = await workbook(GOOD_ROWS);
    const number = '湟组交〔2026〕17号';
    const { createHash } = await import('node:crypto');
    const fp = createHash('sha256').update(file).digest('hex');
    const ids = sheetImportIds(number, fp);
    const first = importIds(number, fp, 3);
    const metadata = {
      actor: { userId: 'user-org_dept', role: 'org_dept', unitId: null, name: '测试用户' },
      correlationId: 'crashed',
      causationId: 'crashed',
      recordedAt: '2026-03-02T09:00:00+08:00',
    };
    await t.store.append(
      `sheet_number-${number}`,
      [
        {
          id: ids.numberClaimedEventId,
          type: 'SheetNumberClaimed',
          schemaVersion: SCHEMA_VERSIONS.SheetNumberClaimed,
          data: { number, sheetId: ids.sheetId },
          metadata,
        },
      ],
      'no_stream',
    );
    await t.store.append(
      `item-${first.itemId}`,
      [
        {
          id: first.eventId,
          type: 'ItemAssigned',
          schemaVersion: SCHEMA_VERSIONS.ItemAssigned,
          metadata,
          data: {
            itemId: first.itemId,
            sheetId: ids.sheetId,
            title: GOOD_ROWS[0][1],
            requirements: GOOD_ROWS[0][2],
            unitId: 'dahua',
            supportUnitIds: ['huangmao'],
            cadreId: 'c-zw-dh',
            leaderId: 'c-county',
            dueDate: '2026-03-20',
          },
        },
      ],
      'no_stream',
    );

    const res = await importSheet(file, fields(number)).expect(201);
    expect(res.body).toEqual(expect.objectContaining({ id: ids.sheetId, itemCount: 3, alreadyImported: true, written: 3 }));
    expect((await t.store.readStream(`sheet-${ids.sheetId}`)).map((e) => e.type)).toEqual(['SheetIssued']);
    for (const row of [3, 4, 5]) expect(await t.store.readStream(`item-${importIds(number, fp, row).itemId}`)).toHaveLength(1);
    expect((await t.store.readStream(`item-${first.itemId}`))[0].metadata.correlationId).toBe('crashed');
  });

  it('validates the fields like POST /sheets (400 per field) and wants a file', async () => {
    const res = await importSheet(null, { number: ' ', title: '', issuedOn: '2026-3-2', extra: 'x' }).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'file', 'issuedOn', 'number', 'title']);
    const json = await t.http.post('/api/v1/sheets/import').set('Authorization', `Bearer ${org}`).send({ number: 'x' }).expect(415);
    expect(json.body.code).toBe('MULTIPART_REQUIRED');
  });

  it('refuses a file above 10 MB with 413, and other roles with 403', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x41);
    const res = await importSheet(big, fields('湟组交〔2026〕18号'), 'big.csv');
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('FILE_TOO_LARGE');
    const file = await workbook(GOOD_ROWS);
    const forbidden = await importSheet(file, fields('湟组交〔2026〕19号'), '交办单.xlsx', t.token('inspector')).expect(403);
    expect(forbidden.body.code).toBe('ROLE_FORBIDDEN');
  });

  it('an Idempotency-Key covers the file: the same file replays the answer, another file under the same key is 422', async () => {
    const file = await workbook(GOOD_ROWS);
    const first = await importSheet(file, fields('湟组交〔2026〕21号')).set('Idempotency-Key', 'import-21').expect(201);
    const head = await t.store.headPosition();
    const replay = await importSheet(file, fields('湟组交〔2026〕21号')).set('Idempotency-Key', 'import-21').expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const other = await importSheet(await workbook(GOOD_ROWS.slice(1)), fields('湟组交〔2026〕21号'))
      .set('Idempotency-Key', 'import-21')
      .expect(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await t.store.headPosition()).toBe(head);
  });

  it('refuses an old .xls with a message for the user', async () => {
    const xls = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512)]);
    const res = await importSheet(xls, fields('湟组交〔2026〕20号'), 'old.xls').expect(400);
    expect(res.body.errors).toEqual([{ row: null, column: null, message: expect.stringContaining('.xlsx') }]);
  });
});
