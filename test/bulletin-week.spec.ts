/**
 * Issue 19, point 4: the WEEKLY 督查通报, an ISO-8601 week `YYYY-Www` from Monday to Sunday in county time.
 * A small county is seeded through the API on a moved clock from 2026-11-16 (Monday of 2026-W47) to
 * 2027-01-12; the bulletin of 2026-W48 (Monday 11-23 to Sunday 11-29) is opened with mammoth and ExcelJS
 * and its figures checked against numbers worked out by hand from the seed below, and against the API's
 * own answers as of the checkpoint it states. Events of W47 and W49 (one a minute either side of the cut)
 * must not reach it. The weeks across the new year (2026-W53, 2027-W01) are cut on the days worked out by hand.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ExcelJS from 'exceljs';
import * as mammoth from 'mammoth';
import { documentText, startBulletinCounty, type BulletinCounty } from './support/bulletin-county';
import { nineAm, type Ledger } from './support/ledger';
/** An instant given in county time (UTC+8), by hand. */
const county = (local: string) => new Date(`${local}+08:00`).toISOString();

/** The tables of mammoth's HTML, as rows of cell texts. */
function htmlTables(html: string): string[][][] {
  return [...html.matchAll(/<table>(.*?)<\/table>/g)].map((t) =>
    [...t[1].matchAll(/<tr>(.*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((c) => c[1].replace(/<[^>]+>/g, ''))),
  );
}
/** The paragraphs of mammoth's HTML outside its tables. */
const htmlParagraphs = (html: string) => [...html.replace(/<table>.*?<\/table>/g, '').matchAll(/<p>(.*?)<\/p>/g)].map((p) => p[1].replace(/<[^>]+>/g, ''));

describe('weekly 督查通报 (GET /bulletins/YYYY-Www, ledger bulletin --period YYYY-Www)', () => {
  let scene: BulletinCounty;
  let ledger: Ledger;
  let weekPosition: string;

  beforeAll(async () => {
    // Monday of 2026-W47.
    scene = await startBulletinCounty('2026-11-16');
    ({ ledger } = scene);
    const { org, inspector, discipline, unit, day, assign } = scene;
    const decide = (itemId: string, cadreId: string, decidedOn: string, documentNo: string) =>
      discipline.post(
        `/items/${itemId}/accountability/decide`,
        { target: { kind: 'cadre', id: cadreId }, form: 'admonishment', decidedBy: '县纪委监委', decidedOn, documentNo, reason: '逾期' },
        200,
      );

    await org.post('/cadres', { id: 'K1', name: '张三', unitId: 'T1', post: '书记' }, 201);
    await org.post('/cadres', { id: 'K2', name: '李四', unitId: 'T2', post: '书记' }, 201);
    await org.post('/sheets', { id: 's1', number: '湟组交〔2026〕12号', title: '第47周任务', issuedOn: '2026-11-16' }, 201);
    await assign('W1', 'T1', 'K1', '2026-11-20');
    await assign('W2', 'T2', 'K2', '2026-11-25');
    await assign('W3', 'T1', 'K1', '2026-11-27');
    await assign('W4', 'T2', 'K2', '2026-12-20');
    await assign('W6', 'T1', 'K1', '2026-11-23');

    day('2026-11-18');
    await unit('T2').post('/items/W2/complete', { summary: '已完成' }, 200);
    day('2026-11-19');
    await inspector.post('/items/W2/return', { reason: '材料不全' }, 200); // W47: not this week's return
    day('2026-11-20');
    await unit('T1').post('/items/W1/complete', { summary: '已完成' }, 200);
    await inspector.post('/items/W1/conclude', {}, 200);
    day('2026-11-21');
    await unit('T1').post('/items/W3/complete', { summary: '已完成' }, 200);
    // Sunday of W47, late in the evening: a decision dated in W47 is not the week's.
    ledger.clock.set(county('2026-11-22T23:00:00'));
    await inspector.post('/items/W4/accountability/refer', { target: { kind: 'cadre', id: 'K2' }, to: 'discipline' }, 200);
    await decide('W4', 'K2', '2026-11-22', '湟纪〔2026〕7号');

    // 2026-W48: Monday 11-23 to Sunday 11-29.
    day('2026-11-23');
    await inspector.post('/items/W3/return', { reason: '佐证不足' }, 200); // the week's first day
    day('2026-11-24');
    await unit('T2').post('/items/W2/complete', { summary: '已补充材料' }, 200);
    await inspector.post('/items/W2/conclude', {}, 200); // due 11-25: on time
    await assign('W5', 'T2', 'K2', '2026-11-26');
    day('2026-11-27');
    await unit('T2').post('/items/W5/complete', { summary: '已完成' }, 200);
    await inspector.post('/items/W5/return', { reason: '不符合要求' }, 200);
    day('2026-11-28');
    await unit('T2').post('/items/W5/complete', { summary: '已整改' }, 200);
    await inspector.post('/items/W5/conclude', {}, 200); // due 11-26: late
    await inspector.post('/items/W3/accountability/refer', { target: { kind: 'cadre', id: 'K1' }, to: 'discipline' }, 200);
    await decide('W3', 'K1', '2026-11-28', '湟纪〔2026〕9号');
    day('2026-11-29');
    await unit('T1').post('/items/W3/complete', { summary: '已重新提交' }, 200);
    // Sunday 23:30: inside the week; 00:10 on Monday: outside.
    ledger.clock.set(county('2026-11-29T23:30:00'));
    await unit('T2').post('/items/W4/complete', { summary: '提前完成' }, 200);
    weekPosition = ledger.position;
    ledger.clock.set(county('2026-11-30T00:10:00'));
    await inspector.post('/items/W4/conclude', {}, 200);

    // 2026-W49 on: none of this is in W48's bulletin.
    day('2026-11-30');
    await inspector.post('/items/W3/return', { reason: '仍不完整' }, 200);
    await decide('W3', 'K1', '2026-11-30', '湟纪〔2026〕11号');

    // Across the new year: 2026-W53 is Monday 2026-12-28 to Sunday 2027-01-03, 2027-W01 the week after.
    ledger.clock.set(county('2027-01-03T23:30:00'));
    await assign('W7', 'T1', 'K1', '2027-01-08');
    ledger.clock.set(county('2027-01-04T00:10:00'));
    await assign('W8', 'T2', 'K2', '2027-01-08');
    day('2027-01-12');
    await inspector.get('/units', 200);
  }, 180_000);

  afterAll(async () => {
    await ledger?.close();
  });

  const download: BulletinCounty['download'] = (route, role) => scene.download(route, role);

  // By hand, at the end of Sunday 2026-11-29 in the county (2026-11-29T15:59:59.999Z):
  //   W1 (T1) concluded 11-20, due 11-20: on time.        W2 (T2) concluded 11-24, due 11-25: on time.
  //   W3 (T1) reported again 11-29, due 11-27: open, 2 days overdue.
  //   W4 (T2) reported 11-29 23:30, due 12-20: open (its conclusion at 00:10 on Monday is W49's).
  //   W5 (T2) concluded 11-28, due 11-26: late.           W6 (T1) assigned, due 11-23: open, 6 days overdue.
  //   County: 6 items, 3 closed (50.0%), 2 of 3 on time (66.7%), 2 overdue, none due by 12-02, 2 awaiting review.
  //   和平乡 (W1, W3, W6): 1 of 3 closed (33.3%), 1 of 1 on time (100.0%), 2 overdue.
  //   申中乡 (W2, W4, W5): 2 of 3 closed (66.7%), 1 of 2 on time (50.0%), none overdue: first.
  //   Returns of the week: W3 on 11-23 (Monday), W5 on 11-27 (not W2's of 11-19, nor W3's of 11-30).
  //   Decisions of the week: W3's dated 11-28 (not W4's of 11-22, nor W3's of 11-30).
  const AS_OF = '2026-11-29T15:59:59.999Z';
  const COUNTY_ROW = ['6', '3', '50.0%', '66.7%', '2', '0', '2', '0'];
  const RANKING = [
    ['排名', '乡镇（街道）', '事项数', '已办结', '办结率', '按期办结率', '逾期'],
    ['1', '申中乡党委', '3', '2', '66.7%', '50.0%', '0'],
    ['2', '和平乡党委', '3', '1', '33.3%', '100.0%', '2'],
  ];
  const OVERDUE = [
    ['序号', '事项', '责任单位', '责任人', '完成时限', '逾期天数'],
    ['1', '事项W6', '和平乡党委', '张三', '2026-11-23', '6'],
    ['2', '事项W3', '和平乡党委', '张三', '2026-11-27', '2'],
  ];
  const RETURNS = [
    ['序号', '事项', '责任单位', '退回日期'],
    ['1', '事项W3', '和平乡党委', '2026-11-23'],
    ['2', '事项W5', '申中乡党委', '2026-11-27'],
  ];
  const DECISIONS = [
    ['序号', '事项', '问责对象', '问责方式', '四种形态', '决定机关', '决定日期', '文号', '状态'],
    ['1', '事项W3', '张三（领导干部）', '诫勉', '', '县纪委监委', '2026-11-28', '湟纪〔2026〕9号', '有效'],
  ];

  it('opens in Word (mammoth) with the week in words and the figures worked out by hand, read at the end of Sunday', async () => {
    const res = await download('/bulletins/2026-W48?format=docx', 'org_dept');
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('督查通报2026-W48.docx')}`);
    expect(res.headers['x-ledger-as-of']).toBe(AS_OF);
    expect(res.headers['x-ledger-position']).toBe(weekPosition);

    const { value: html } = await mammoth.convertToHtml({ buffer: res.body as Buffer });
    const paragraphs = htmlParagraphs(html);
    expect(paragraphs.slice(0, 3)).toEqual(['湟源县委督查通报', '〔2026〕第48期（周报）', '2026年第48周（11月23日至11月29日）']);
    expect(paragraphs).toContain('截至2026-11-29，全县共有交办事项6项，已办结3项，办结率50.0%，按期办结率66.7%；逾期未办结2项。');
    expect(paragraphs).toContain('本期共退回2次。');
    expect(paragraphs).toContain('本期作出问责决定1项。');
    expect(paragraphs).toContain(`本通报数据截至 2026-11-29 23:59:59（北京时间，asOf=${AS_OF}），台账日志位置 ${weekPosition}；可用 asOf=${AS_OF} 查询复核。`);
    const [countyTable, ranking, overdue, returns, decisions] = htmlTables(html);
    expect(countyTable[1]).toEqual(COUNTY_ROW);
    expect(ranking).toEqual(RANKING);
    expect(overdue).toEqual(OVERDUE);
    expect(returns).toEqual(RETURNS);
    // 四种形态 is left blank: the decision gives none.
    expect(decisions).toEqual(DECISIONS);
  });

  it('gives the same figures as a workbook', async () => {
    const res = await download('/bulletins/2026-W48?format=xlsx');
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as unknown as ArrayBuffer);
    const rows = (name: string) =>
      (wb.getWorksheet(name)!.getSheetValues() as unknown[][]).filter(Boolean).map((r) => Array.from(r.slice(1), (c) => String(c ?? '')));
    expect(rows('全县情况')).toEqual([
      ['湟源县委督查通报〔2026〕第48期（周报）'],
      ['2026年第48周（11月23日至11月29日）'],
      ['事项总数', '已办结', '办结率', '按期办结率', '逾期未办结', '临期', '待审核', '已撤销'],
      COUNTY_ROW,
    ]);
    expect(rows('乡镇排名')).toEqual(RANKING);
    expect(rows('逾期事项')).toEqual(OVERDUE);
    expect(rows('退回情况')).toEqual(RETURNS);
    expect(rows('问责情况')).toEqual(DECISIONS);
    expect(rows('核验点')).toContainEqual(['asOf', AS_OF]);
    expect(rows('核验点')).toContainEqual(['position', weekPosition]);
  });

  it("states figures equal to the API's as of the checkpoint it prints", async () => {
    const inspector = ledger.as('inspector');
    const data = (await inspector.get('/bulletins/2026-W48?format=json', 200)).body;
    expect(data.period).toEqual({
      period: '2026-W48',
      kind: 'week',
      year: 2026,
      month: null,
      week: 48,
      from: '2026-11-23',
      to: '2026-11-29',
      endMs: Date.parse(AS_OF),
    });
    const api = await scene.apiFigures(data.asOf);
    expect(data.county).toEqual(api.county);
    expect(data.county).toMatchObject({ total: 6, open: 3, overdue: 2, awaitingReview: 2, concluded: 3, closureRate: 0.5, onTimeRate: 2 / 3 });
    expect(data.townships).toEqual(api.townships);
    expect(api.overdue.map((i) => i.id)).toEqual(['W6', 'W3']);
    expect(data.overdue.map((o: { itemId: string }) => o.itemId)).toEqual(['W6', 'W3']);
  });

  it('cuts the weeks across the new year where the calendar says: 2026-W53 ends on Sunday 2027-01-03, 2027-W01 on 2027-01-10', async () => {
    const inspector = ledger.as('inspector');
    const w53 = (await inspector.get('/bulletins/2026-W53?format=json', 200)).body;
    // W7 was assigned at 23:30 on 2027-01-03 (in W53), W8 at 00:10 on 2027-01-04 (in 2027-W01).
    expect([w53.asOf, w53.day, w53.county.total]).toEqual(['2027-01-03T15:59:59.999Z', '2027-01-03', 7]);
    const w01 = (await inspector.get('/bulletins/2027-W01?format=json', 200)).body;
    expect([w01.asOf, w01.day, w01.county.total]).toEqual(['2027-01-10T15:59:59.999Z', '2027-01-10', 8]);
    const head = async (period: string) => (await documentText((await download(`/bulletins/${period}`)).body as Buffer)).split('\n').slice(0, 3);
    expect(await head('2026-W53')).toEqual(['湟源县委督查通报', '〔2026〕第53期（周报）', '2026年第53周（2026年12月28日至2027年1月3日）']);
    expect(await head('2027-W01')).toEqual(['湟源县委督查通报', '〔2027〕第1期（周报）', '2027年第1周（1月4日至1月10日）']);
    // The month bulletin of December, and January's, keep their own numbers.
    expect((await head('2026-12'))[1]).toBe('〔2026〕第12期');
  });

  it('reads a week under way as the month path does: now, not its end', async () => {
    const inspector = ledger.as('inspector');
    // 2027-01-12 09:00 in the county is Tuesday of 2027-W02 and in January.
    const now = nineAm('2027-01-12');
    expect((await inspector.get('/bulletins/2027-W02?format=json', 200)).body.asOf).toBe(now);
    expect((await inspector.get('/bulletins/2027-01?format=json', 200)).body.asOf).toBe(now);
  });

  it('refuses a week or month that does not exist, or garbage, with a 400 problem naming the period', async () => {
    const cases: Record<string, string> = {
      '2026-W54': 'period 2026-W54: 2026 has 53 ISO weeks (2026-W01 to 2026-W53)',
      '2027-W53': 'period 2027-W53: 2027 has 52 ISO weeks (2027-W01 to 2027-W52)',
      '2026-W00': 'period 2026-W00: 2026 has 53 ISO weeks (2026-W01 to 2026-W53)',
      '2026-13': 'period 2026-13: a month is 01 to 12',
      '2026-w48': 'period must be a month YYYY-MM or an ISO week YYYY-Www, e.g. 2026-11 or 2026-W48',
      garbage: 'period must be a month YYYY-MM or an ISO week YYYY-Www, e.g. 2026-11 or 2026-W48',
    };
    for (const [bad, message] of Object.entries(cases)) {
      const res = await ledger.as('inspector').get(`/bulletins/${bad}?format=xlsx`, 400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect([bad, res.body.errors]).toEqual([bad, [expect.objectContaining({ field: 'period', messages: [message] })]]);
    }
  });

  it('ledger bulletin --period 2026-W48 writes the same document from the command line, and writes nothing for 2026-W54', async () => {
    await scene.withCli('ledger-bulletin-week-', async ({ dir, err, run }) => {
      const out = path.join(dir, 'w48.docx');
      expect(await run(['--period', '2026-W48', '--out', out])).toBe(0);
      expect(err.join('')).toContain(`督查通报 2026-W48, as of ${AS_OF} (log position ${weekPosition})`);
      const fromCli = await documentText(fs.readFileSync(out));
      const fromApi = await documentText((await download('/bulletins/2026-W48')).body as Buffer);
      // The route prints the log's checkpoint at the foot; the command line does not.
      expect(fromCli).toBe(`${fromApi.split('\n账本检查点\n')[0]}\n`);
      expect(fromCli).toContain('6\t3\t50.0%\t66.7%\t2\t0\t2\t0\t');
      const bad = path.join(dir, 'w54.docx');
      await expect(run(['--period', '2026-W54', '--out', bad])).rejects.toThrow(/--period 2026-W54: 2026 has 53 ISO weeks \(2026-W01 to 2026-W53\)/);
      expect(fs.existsSync(bad)).toBe(false);
    });
  });
});
