import { parseCsv } from '@ledger/sheets-io';
import * as ExcelJS from 'exceljs';
import type { Response } from 'supertest';
import { startTestApp, type TestApp } from '../apps/api/src/testing/harness';

const UNITS = [
  { id: 'county', name: '中共湟源县委员会', kind: 'county_committee' },
  { id: 'dahua', name: '大华镇党委', kind: 'township_committee', parentId: 'county' },
  { id: 'shenzhong', name: '申中乡党委', kind: 'township_committee', parentId: 'county' },
  { id: 'huangmao', name: '大华镇黄茂村党支部', kind: 'branch', parentId: 'dahua' },
];
const CADRES = [
  { id: 'c-county', name: '李建国', unitId: 'county', post: '县委书记' },
  { id: 'c-dahua', name: '王志刚', unitId: 'dahua', post: '党委书记' },
  { id: 'c-shenzhong', name: '马德福', unitId: 'shenzhong', post: '党委书记' },
  { id: 'c-hm', name: '张永福', unitId: 'huangmao', post: '村党支部书记' },
];
const SHEET_NUMBER = '湟组交〔2026〕30号';
/** More than two pages of 200: the export must hold every page of the filter. */
const ITEM_COUNT = 450;

const binary = (res: NodeJS.ReadableStream & { setEncoding?: unknown }, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

async function sheetOf(body: Buffer): Promise<ExcelJS.Worksheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ExcelJS.Buffer);
  return wb.worksheets[0];
}

const rowValues = (ws: ExcelJS.Worksheet, n: number): unknown[] => (ws.getRow(n).values as unknown[]).slice(1);
const isoDate = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : v);
const csvOf = (res: Response) => {
  const body = res.body as Buffer;
  expect(body.subarray(0, 3).toString('hex')).toBe('efbbbf');
  return parseCsv(body.subarray(3).toString('utf8')).map((r) => r.fields);
};

describe('format=xlsx|csv on the query routes (exports with Chinese headers)', () => {
  let t: TestApp;
  let org: string;
  let position: string;
  const get = (route: string, token = org) =>
    t.http.get(`/api/v1${route}${route.includes('?') ? '&' : '?'}minPosition=${position}`).set('Authorization', `Bearer ${token}`);
  const getFile = (route: string, token = org) =>
    get(route, token)
      .buffer(true)
      .parse(binary as never);

  beforeAll(async () => {
    t = await startTestApp();
    org = t.token('org_dept');
    const admin = t.token('admin');
    for (const u of UNITS) await t.http.post('/api/v1/units').set('Authorization', `Bearer ${admin}`).send(u).expect(201);
    for (const c of CADRES) await t.http.post('/api/v1/cadres').set('Authorization', `Bearer ${admin}`).send(c).expect(201);
    const units = ['大华镇党委', '申中乡党委', '大华镇黄茂村党支部'];
    const cadres = ['王志刚', '马德福', '张永福'];
    const lines = ['序号,事项,办理要求,责任单位,责任人,完成时限,责任领导'];
    for (let i = 0; i < ITEM_COUNT; i++) {
      const u = i % 3;
      lines.push(
        `${i + 1},第${i + 1}项 重点任务,"按期报送,佐证材料",${units[u]},${cadres[u]},2026-${String(3 + (i % 9)).padStart(2, '0')}-${String(10 + (i % 18)).padStart(2, '0')},李建国`,
      );
    }
    const imported = await t.http
      .post('/api/v1/sheets/import')
      .set('Authorization', `Bearer ${org}`)
      .field('number', SHEET_NUMBER)
      .field('title', '基层党建重点任务')
      .field('issuedOn', '2026-03-02')
      .attach('file', Buffer.from(lines.join('\r\n'), 'utf8'), '交办单.csv')
      .expect(201);
    position = imported.body.position;
    const items = await get('/items?unitId=shenzhong&subtree=false&pageSize=2').expect(200);
    const itemId = items.body.items[0].id;
    const decided = await t.http
      .post(`/api/v1/items/${itemId}/accountability/decide`)
      .set('Authorization', `Bearer ${t.token('discipline')}`)
      .send({
        target: { kind: 'cadre', id: 'c-shenzhong' },
        form: 'admonishment',
        dispositionForm: 1,
        decidedBy: '县纪委监委',
        decidedOn: '2026-03-02',
        documentNo: '湟纪〔2026〕3号',
        effectMonths: 6,
        reason: '未按期报送',
      })
      .expect(200);
    position = decided.body.position;
  });
  afterAll(() => t.close());

  it('GET /items?format=xlsx: every page of the filter, headers and cells as the JSON answer says', async () => {
    const res = await getFile('/items?format=xlsx&sort=dueDate').expect(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="items.xlsx"; filename*=UTF-8''${encodeURIComponent('事项清单.xlsx')}`);
    const ws = await sheetOf(res.body);
    expect(rowValues(ws, 1)).toEqual([
      '序号',
      '交办单',
      '事项',
      '办理要求',
      '责任单位',
      '配合单位',
      '责任人',
      '责任领导',
      '状态',
      '亮灯',
      '完成时限',
      '原定时限',
      '督办等级',
      '问责次数',
      '更新时间',
      '事项编号',
    ]);

    const json: Array<Record<string, unknown>> = [];
    for (let page = 1; page <= 3; page++) json.push(...(await get(`/items?sort=dueDate&pageSize=200&page=${page}`).expect(200)).body.items);
    expect(json).toHaveLength(ITEM_COUNT);
    expect(ws.rowCount).toBe(ITEM_COUNT + 1);
    const names: Record<string, string> = Object.fromEntries([...UNITS, ...CADRES].map((x) => [x.id, x.name]));
    json.forEach((item, i) => {
      const cells = ws.getRow(i + 2);
      const at = (header: string) => cells.getCell(rowValues(ws, 1).indexOf(header) + 1).value;
      expect(at('序号')).toBe(i + 1);
      expect(at('事项编号')).toBe(item.id);
      expect(at('交办单')).toBe(SHEET_NUMBER);
      expect(at('事项')).toBe(item.title);
      expect(at('办理要求')).toBe('按期报送,佐证材料');
      expect(at('责任单位')).toBe(names[item.unitId as string]);
      expect(at('责任人')).toBe(names[item.cadreId as string]);
      expect(at('责任领导')).toBe('李建国');
      expect(at('状态')).toBe('已交办');
      expect(isoDate(at('完成时限'))).toBe(item.dueDate);
      expect(at('问责次数')).toBe(item.accountabilityCount);
      expect(at('亮灯')).toBe({ green: '正常', yellow: '临期', red: '逾期' }[item.light as string]);
    });
  });

  it('four concurrent exports (two xlsx, two csv) each take their turn and each holds every item the sheet gave', async () => {
    // What the import sent, by title: unit, cadre and due date as the CSV lines above wrote them.
    const units = ['大华镇党委', '申中乡党委', '大华镇黄茂村党支部'];
    const cadres = ['王志刚', '马德福', '张永福'];
    const expected = new Map<string, string[]>();
    for (let i = 0; i < ITEM_COUNT; i++) {
      expected.set(`第${i + 1}项 重点任务`, [
        units[i % 3],
        cadres[i % 3],
        `2026-${String(3 + (i % 9)).padStart(2, '0')}-${String(10 + (i % 18)).padStart(2, '0')}`,
      ]);
    }
    const [x1, c1, x2, c2] = await Promise.all([
      getFile('/items?format=xlsx'),
      getFile('/items?format=csv'),
      getFile('/items?format=xlsx&sort=-dueDate'),
      getFile('/items?format=csv&sort=title'),
    ]);
    for (const res of [x1, c1, x2, c2]) expect(res.status).toBe(200);
    const fromCsv = (res: Response) =>
      csvOf(res)
        .slice(1)
        .map((r) => [r[2], r[4], r[6], r[10]]);
    const fromXlsx = async (res: Response) => {
      const ws = await sheetOf(res.body);
      return Array.from({ length: ws.rowCount - 1 }, (_, i) => {
        const v = rowValues(ws, i + 2);
        return [v[2], v[4], v[6], isoDate(v[10])];
      });
    };
    for (const rows of [await fromXlsx(x1), fromCsv(c1), await fromXlsx(x2), fromCsv(c2)]) {
      expect(rows).toHaveLength(ITEM_COUNT);
      expect(new Map(rows.map(([title, ...rest]) => [title as string, rest]))).toEqual(expected);
    }
  });

  it('GET /items?format=csv keeps the filter (a unit user: its subtree only) and quotes as RFC 4180', async () => {
    const unitUser = t.token('unit', 'dahua');
    const res = await getFile('/items?format=csv&sort=-title', unitUser).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = csvOf(res);
    const json = (await get('/items?sort=-title&pageSize=200', unitUser).expect(200)).body;
    expect(json.total).toBe(300);
    expect(rows).toHaveLength(301);
    expect(rows[0][2]).toBe('事项');
    expect(rows.slice(1, 201).map((r) => r[15])).toEqual(json.items.map((i: { id: string }) => i.id));
    expect(new Set(rows.slice(1).map((r) => r[4]))).toEqual(new Set(['大华镇党委', '大华镇黄茂村党支部']));
    expect(rows[1][3]).toBe('按期报送,佐证材料');
  });

  it('GET /units/:id/children/outstanding?format=csv: one row per child, figures and rates as the JSON', async () => {
    const json = (await get('/units/county/children/outstanding').expect(200)).body as Array<Record<string, number | string>>;
    const res = await getFile('/units/county/children/outstanding?format=csv').expect(200);
    expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('单位办理情况统计.csv')}`);
    const rows = csvOf(res);
    expect(rows[0]).toEqual(['单位', '总数', '未办结', '逾期', '临期', '待审核', '已办结', '已销号', '已撤销', '办结率', '按期办结率']);
    expect(rows.slice(1)).toEqual(
      json.map((r) => [
        r.name,
        ...['total', 'open', 'overdue', 'dueSoon', 'awaitingReview', 'concluded', 'struckOff', 'withdrawn'].map((k) => String(r[k])),
        `${(Number(r.closureRate) * 100).toFixed(1)}%`,
        `${(Number(r.onTimeRate) * 100).toFixed(1)}%`,
      ]),
    );
    expect(rows.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['大华镇党委', '300'],
      ['申中乡党委', '150'],
    ]);
  });

  it('GET /cadres/outstanding?format=xlsx: 责任人, 所在单位 and figures', async () => {
    const json = (await get('/cadres/outstanding').expect(200)).body as Array<Record<string, number | string>>;
    const ws = await sheetOf((await getFile('/cadres/outstanding?format=xlsx').expect(200)).body);
    expect(rowValues(ws, 1).slice(0, 4)).toEqual(['责任人', '所在单位', '总数', '未办结']);
    expect(ws.rowCount).toBe(json.length + 1);
    json.forEach((r, i) => {
      const unit = CADRES.find((c) => c.id === r.cadreId)!.unitId;
      expect(rowValues(ws, i + 2).slice(0, 4)).toEqual([r.name, UNITS.find((u) => u.id === unit)!.name, r.total, r.open]);
      expect(ws.getRow(i + 2).getCell(11).value).toBe(r.closureRate);
    });
  });

  it('GET /accountability?format=csv: the register with names and Chinese labels', async () => {
    const json = (await get('/accountability').expect(200)).body as Array<Record<string, unknown>>;
    expect(json).toHaveLength(1);
    const rows = csvOf(await getFile('/accountability?format=csv&form=admonishment').expect(200));
    expect(rows[0]).toEqual([
      '序号',
      '问责对象',
      '对象类型',
      '问责方式',
      '四种形态',
      '决定机关',
      '决定日期',
      '文号',
      '影响期（月）',
      '是否撤销',
      '事项',
      '决定编号',
    ]);
    const item = (await get(`/items/${json[0].itemId}`).expect(200)).body;
    expect(rows[1]).toEqual([
      '1',
      '马德福',
      '领导干部',
      '诫勉',
      expect.stringContaining('第一种形态'),
      '县纪委监委',
      '2026-03-02',
      '湟纪〔2026〕3号',
      '6',
      '否',
      item.title,
      json[0].decisionId,
    ]);
  });

  it('a bad format is 400; format=json and no format answer JSON', async () => {
    const bad = await get('/items?format=pdf').expect(400);
    expect(bad.body).toEqual(
      expect.objectContaining({ code: 'VALIDATION_FAILED', errors: [{ field: 'format', messages: [expect.stringContaining('xlsx')] }] }),
    );
    await get('/cadres/outstanding?format=xlsx&format=csv').expect(400);
    const plain = await get('/accountability?format=json').expect(200);
    expect(plain.headers['content-type']).toMatch(/^application\/json/);
    // Other query fields are still validated with format present.
    await get('/items?format=xlsx&light=purple').expect(400);
  });
});
