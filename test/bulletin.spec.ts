/**
 * Issue 19, point 4: the 督查通报 of November 2026 for a small county seeded through the API on a moved
 * clock. The .docx is opened (word/document.xml) and its figures are checked against numbers worked
 * out by hand from the seed below, and against the API's own answers as of the checkpoint it states.
 * What happens in December (a return, a conclusion, a decision) must not reach it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ExcelJS from 'exceljs';
import * as mammoth from 'mammoth';
import { SqliteAccessAuditStore } from '@ledger/integrity';
import { documentText, startBulletinCounty, type BulletinCounty } from './support/bulletin-county';
import type { Ledger } from './support/ledger';
import { launchBrowser, screenshot } from './web/browser';

describe('督查通报 (GET /bulletins/:period)', () => {
  let scene: BulletinCounty;
  let ledger: Ledger;
  let novemberPosition: string;
  let lateDecisionId: string;

  beforeAll(async () => {
    scene = await startBulletinCounty('2026-11-02');
    ({ ledger } = scene);
    const { org, inspector, discipline, unit, day, assign } = scene;

    await org.post('/units', { id: 'V1', name: '茶曲村党支部', kind: 'branch', parentId: 'T1' }, 201);
    await org.post('/units', { id: 'V2', name: '莫布拉村党支部', kind: 'branch', parentId: 'T2' }, 201);
    await org.post('/cadres', { id: 'K1', name: '张三', unitId: 'V1', post: '书记' }, 201);
    await org.post('/cadres', { id: 'K2', name: '李四', unitId: 'V2', post: '书记' }, 201);
    await org.post('/cadres', { id: 'K3', name: '王五', unitId: 'T1', post: '委员' }, 201);
    await org.post('/sheets', { id: 's1', number: '湟组交〔2026〕11号', title: '11月基层党建任务', issuedOn: '2026-11-02' }, 201);
    await assign('I1', 'V1', 'K1', '2026-11-10');
    await assign('I2', 'V2', 'K2', '2026-11-20');
    await assign('I3', 'T1', 'K3', '2026-11-15');
    await assign('I4', 'V2', 'K2', '2026-12-20');
    await assign('I5', 'V1', 'K1', '2026-11-25');

    day('2026-11-03');
    await unit('V1').post('/items/I1/acknowledge', {}, 200);
    await unit('V2').post('/items/I2/acknowledge', {}, 200);
    await unit('T1').post('/items/I3/acknowledge', {}, 200);
    day('2026-11-05');
    await unit('V2').post('/items/I2/complete', { summary: '已完成' }, 200);
    day('2026-11-06');
    await inspector.post('/items/I2/return', { reason: '材料不全' }, 200);
    day('2026-11-08');
    await unit('V2').post('/items/I2/complete', { summary: '已补充材料' }, 200);
    await inspector.post('/items/I2/conclude', {}, 200);
    day('2026-11-12');
    await unit('T1').post('/items/I3/complete', { summary: '已完成' }, 200);
    await inspector.post('/items/I3/conclude', {}, 200);
    day('2026-11-18');
    await inspector.post('/items/I1/accountability/refer', { target: { kind: 'cadre', id: 'K1' }, to: 'discipline' }, 200);
    await discipline.post(
      '/items/I1/accountability/decide',
      {
        target: { kind: 'cadre', id: 'K1' },
        form: 'admonishment',
        dispositionForm: 1,
        decidedBy: '县纪委监委',
        decidedOn: '2026-11-18',
        documentNo: '湟纪〔2026〕5号',
        reason: '逾期未办结',
      },
      200,
    );
    day('2026-11-20');
    await unit('V1').post('/items/I5/complete', { summary: '已完成' }, 200);
    day('2026-11-21');
    await inspector.post('/items/I5/return', { reason: '佐证不足' }, 200);
    day('2026-11-26');
    await unit('V1').post('/items/I5/complete', { summary: '已补充佐证' }, 200);
    day('2026-11-27');
    await inspector.post('/items/I5/conclude', {}, 200);
    novemberPosition = ledger.position;

    // December: none of this is in November's bulletin.
    day('2026-12-01');
    await unit('V1').post('/items/I1/complete', { summary: '已完成' }, 200);
    day('2026-12-02');
    await inspector.post('/items/I1/return', { reason: '仍不完整' }, 200);
    await discipline.post(
      '/items/I1/accountability/decide',
      { target: { kind: 'cadre', id: 'K1' }, form: 'circulated_criticism', decidedBy: '县纪委监委', decidedOn: '2026-12-02', reason: '再次退回' },
      200,
    );
    // Recorded in December under a November date: not in the bulletin read at November's end.
    const late = await discipline.post(
      '/items/I1/accountability/decide',
      { target: { kind: 'unit', id: 'V1' }, form: 'inspection', decidedBy: '县委', decidedOn: '2026-11-29', reason: '补录' },
      200,
    );
    lateDecisionId = late.body.id;
    await org.post('/items/I4/withdraw', { reason: '重复交办' }, 200);
    day('2026-12-03');
    await inspector.get('/units', 200);
  }, 120_000);

  afterAll(async () => {
    await ledger?.close();
  });

  const download: BulletinCounty['download'] = (route, role) => scene.download(route, role);

  it('opens in Word with the figures worked out by hand for November, read at the end of the month', async () => {
    const res = await download('/bulletins/2026-11?format=docx', 'org_dept');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(res.headers['content-disposition']).toContain("filename*=UTF-8''%E7%9D%A3%E6%9F%A5%E9%80%9A%E6%8A%A52026-11.docx");
    // 2026-12-01 00:00 county time, less a millisecond; the last event by then is the conclusion of I5.
    expect(res.headers['x-ledger-as-of']).toBe('2026-11-30T15:59:59.999Z');
    expect(res.headers['x-ledger-position']).toBe(novemberPosition);

    const lines = (await documentText(res.body as Buffer)).split('\n');
    expect(lines.slice(0, 3)).toEqual(['湟源县委督查通报', '〔2026〕第11期', '（2026-11-01 至 2026-11-30）']);
    // By hand, on 2026-11-30: I1 open and overdue (due 11-10); I2 concluded 11-08 (due 11-20, on time);
    // I3 concluded 11-12 (due 11-15, on time); I4 assigned (due 12-20); I5 concluded 11-27 (due 11-25, late).
    // 5 items, 3 closed: 60.0%; 2 of 3 on time: 66.7%; 1 overdue. (I4's withdrawal is December's.)
    expect(lines).toContain('截至2026-11-30，全县共有交办事项5项，已办结3项，办结率60.0%，按期办结率66.7%；逾期未办结1项。');
    expect(lines).toContain('5\t3\t60.0%\t66.7%\t1\t0\t0\t0\t');
    // 和平乡 (T1 ⊃ V1): I1, I3, I5: 2 of 3 closed (66.7%), 1 of 2 on time (50.0%), 1 overdue.
    // 申中乡 (T2 ⊃ V2): I2, I4: 1 of 2 closed (50.0%), 1 of 1 on time (100.0%), none overdue.
    const ranking = lines.slice(lines.indexOf('二、乡镇（街道）排名'), lines.indexOf('三、逾期未办结事项'));
    expect(ranking.slice(2)).toEqual([
      '排名\t乡镇（街道）\t事项数\t已办结\t办结率\t按期办结率\t逾期\t',
      '1\t和平乡党委\t3\t2\t66.7%\t50.0%\t1\t',
      '2\t申中乡党委\t2\t1\t50.0%\t100.0%\t0\t',
    ]);
    // I1: due 11-10, 20 days past on 11-30; still open then (completed only on 12-01).
    expect(lines).toContain('1\t事项I1\t茶曲村党支部\t张三\t2026-11-10\t20\t');
    expect(lines).toContain('本期共退回2次。');
    expect(lines).toContain('1\t事项I2\t莫布拉村党支部\t2026-11-06\t');
    expect(lines).toContain('2\t事项I5\t茶曲村党支部\t2026-11-21\t');
    expect(lines).toContain('本期作出问责决定1项。');
    expect(lines).toContain('1\t事项I1\t张三（领导干部）\t诫勉\t第一种形态\t县纪委监委\t2026-11-18\t湟纪〔2026〕5号\t有效\t');
    // The data cut, then the log's checkpoint printed below it (test/bulletin-proof.spec.ts).
    expect(lines[lines.indexOf('账本检查点') - 1]).toBe(
      `本通报数据截至 2026-11-30 23:59:59（北京时间，asOf=2026-11-30T15:59:59.999Z），台账日志位置 ${novemberPosition}；可用 asOf=2026-11-30T15:59:59.999Z 查询复核。`,
    );
  });

  it('shows its first page as Word would (docs/screenshots/bulletin.png), with the title, the period and the county figures', async () => {
    const res = await download('/bulletins/2026-11?format=docx', 'org_dept');
    expect(res.status).toBe(200);
    // No office suite runs here: mammoth reads the .docx itself (an independent reader of the file) and gives its text and tables as HTML.
    const { value: html } = await mammoth.convertToHtml({ buffer: res.body as Buffer });
    expect(html).toContain('湟源县委督查通报');
    expect(html).toContain('（2026-11-01 至 2026-11-30）');
    expect(html).toContain('全县共有交办事项5项，已办结3项，办结率60.0%，按期办结率66.7%；逾期未办结1项。');
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 900, height: 1200 }, locale: 'zh-CN' });
      await page.setContent(a4Sheet(html));
      // The page as drawn: the masthead (mammoth keeps no alignment or colour, the sheet's style supplies them) and the county table's figures.
      const masthead = page.locator('.sheet > p').first();
      expect(await masthead.textContent()).toBe('湟源县委督查通报');
      expect(await masthead.evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(e).color)).toBe(
        'rgb(204, 0, 0)',
      );
      const sheetBox = (await page.locator('.sheet').boundingBox())!;
      const titleBox = (await masthead.locator('strong').boundingBox())!;
      expect(Math.abs(titleBox.x + titleBox.width / 2 - (sheetBox.x + sheetBox.width / 2))).toBeLessThan(2);
      const countyRow = await page.locator('.sheet table').first().locator('tr').nth(1).locator('td').allTextContents();
      expect(countyRow).toEqual(['5', '3', '60.0%', '66.7%', '1', '0', '0', '0']);
      // The fonts Chromium really drew the masthead with (DevTools protocol): the CJK serif of fonts-noto-cjk, every glyph, not a fallback face or empty boxes.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('DOM.enable');
      await cdp.send('CSS.enable');
      const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
      const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '.sheet > p strong' });
      const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
      expect(fonts).toEqual([expect.objectContaining({ familyName: 'Noto Serif CJK SC', glyphCount: '湟源县委督查通报'.length })]);
      await screenshot(page, 'bulletin');
    } finally {
      await browser.close();
    }
  }, 60_000);

  it("states figures equal to the API's as of the checkpoint it prints", async () => {
    const data = (await ledger.as('inspector').get('/bulletins/2026-11?format=json', 200)).body;
    const inspector = ledger.as('inspector');
    const api = await scene.apiFigures(data.asOf);
    expect(data.county).toEqual(api.county);
    expect(data.townships).toEqual(api.townships);
    expect(data.overdue.map((o: { itemId: string; dueDate: string }) => [o.itemId, o.dueDate])).toEqual(api.overdue.map((i) => [i.id, i.dueDate]));
    const register = (await inspector.get('/accountability?from=2026-11-01&to=2026-11-30', 200)).body;
    // The register answers now: the back-dated decision recorded in December is in it, not in the bulletin.
    expect(register.map((d: { decisionId: string }) => d.decisionId)).toContain(lateDecisionId);
    const recordedByThen = register.filter((d: { decisionId: string }) => d.decisionId !== lateDecisionId);
    expect(data.decisions.map((d: { itemId: string; decidedOn: string }) => [d.itemId, d.decidedOn])).toEqual(
      recordedByThen.map((d: { itemId: string; decidedOn: string }) => [d.itemId, d.decidedOn]),
    );
    expect(data.decisions).toHaveLength(1);
    // And now (December 3rd): I4 withdrawn, so 3 of 4 closed (75%, not 60%); I1 returned and still overdue: the checkpoint is what makes November's numbers recomputable.
    expect((await inspector.get('/units/C/outstanding', 200)).body).toMatchObject({ total: 5, withdrawn: 1, overdue: 1, closureRate: 0.75 });
  });

  it('gives the same figures as a workbook', async () => {
    const res = await download('/bulletins/2026-11?format=xlsx');
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as unknown as ArrayBuffer);
    const rows = (name: string) => (wb.getWorksheet(name)!.getSheetValues() as unknown[][]).filter(Boolean).map((r) => r.slice(1));
    expect(rows('全县情况')[3]).toEqual([5, 3, '60.0%', '66.7%', 1, 0, 0, 0]);
    expect(
      rows('乡镇排名')
        .slice(1)
        .map((r) => [r[1], r[4], r[5]]),
    ).toEqual([
      ['和平乡党委', '66.7%', '50.0%'],
      ['申中乡党委', '50.0%', '100.0%'],
    ]);
    expect(rows('核验点')).toContainEqual(['position', novemberPosition]);
  });

  it('refuses a malformed period or format with a 400, and other roles with a 403, as problem details', async () => {
    for (const bad of ['2026-13', '2026-1', 'november']) {
      const res = await ledger.as('inspector').get(`/bulletins/${bad}`, 400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'period' })]);
    }
    expect((await ledger.as('inspector').get('/bulletins/2026-11?format=pdf', 400)).body.errors).toEqual([expect.objectContaining({ field: 'format' })]);
    for (const who of [ledger.as('unit', 'T1'), ledger.as('discipline')]) {
      const res = await who.get('/bulletins/2026-11', 403);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('ledger bulletin writes the same document from the command line, and refuses a malformed period', async () => {
    await scene.withCli('ledger-bulletin-', async ({ dir, err, run }) => {
      const out = path.join(dir, 'november.docx');
      expect(await run(['--period', '2026-11', '--out', out])).toBe(0);
      expect(err.join('')).toContain(`as of 2026-11-30T15:59:59.999Z (log position ${novemberPosition})`);
      const fromCli = await documentText(fs.readFileSync(out));
      // The foot line of the file, on stderr word for word (stdout and --out stay the file): 23:59:59 in Beijing is 15:59:59.999Z.
      const foot = `本通报数据截至 2026-11-30 23:59:59（北京时间，asOf=2026-11-30T15:59:59.999Z），台账日志位置 ${novemberPosition}；可用 asOf=2026-11-30T15:59:59.999Z 查询复核。`;
      expect(fromCli.split('\n')).toContain(foot);
      expect(err.join('').split('\n')).toContain(foot);
      // Recorded in the access audit trail as the route's downloads are, by the operating-system user.
      const trail = SqliteAccessAuditStore.open(path.join(ledger.config.dataDir, 'access-audit.sqlite'), { readOnly: true });
      try {
        const cli = (await trail.entriesAfter(0, 10_000)).filter((e) => e.actor?.startsWith('cli:'));
        expect(cli.map((e) => [e.actor, e.action, e.target, e.outcome])).toEqual([
          [`cli:${os.userInfo().username}`, 'bulletin', `ledger bulletin --period 2026-11 --out ${out}`, 'ok'],
        ]);
      } finally {
        await trail.close();
      }
      const fromApi = await documentText((await download('/bulletins/2026-11')).body as Buffer);
      // The route prints the log's checkpoint at the foot (test/bulletin-proof.spec.ts); the command line, which runs no log, does not yet.
      const [beforeProof, proof] = fromApi.split('\n账本检查点\n');
      expect(proof).toContain('校验码：LCP1;');
      expect(fromCli).toBe(`${beforeProof}\n`);
      expect(fromCli).toContain('5\t3\t60.0%\t66.7%\t1\t0\t0\t0\t');
      await expect(run(['--period', '2026-13', '--out', out])).rejects.toThrow(/--period 2026-13: a month is 01 to 12/);
    });
  });
});

/**
 * An A4 sheet (210 × 297 mm, margins after GB/T 9704: 37 mm top, 28 mm sides) showing its first page only,
 * in the serif the .docx asks for (仿宋/宋体; here Noto Serif CJK SC), with the red masthead of a 督查通报.
 */
function a4Sheet(body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
  html { background: #d9d9d9; }
  body { margin: 0; padding: 24px 0; }
  .page { width: 210mm; height: 297mm; box-sizing: border-box; margin: 0 auto; padding: 37mm 28mm 35mm; background: #fff; box-shadow: 0 2px 8px rgba(0,0,0,.3); }
  .sheet { height: 100%; overflow: hidden; font-family: 'Noto Serif CJK SC', serif; font-size: 14pt; line-height: 1.6; color: #000; }
  .sheet p { margin: 0 0 4pt; text-align: justify; }
  .sheet > p:nth-of-type(1) { color: #c00; text-align: center; font-size: 22pt; letter-spacing: 2pt; margin-bottom: 8pt; }
  .sheet > p:nth-of-type(2), .sheet > p:nth-of-type(3) { text-align: center; }
  .sheet > p:nth-of-type(3) { border-bottom: 2px solid #c00; padding-bottom: 8pt; margin-bottom: 12pt; }
  .sheet > p:has(> strong:only-child):not(:first-child) { font-family: 'Noto Sans CJK SC', sans-serif; margin-top: 8pt; }
  .sheet table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; font-size: 10.5pt; }
  .sheet td, .sheet th { border: 1px solid #000; padding: 2pt 4pt; }
  .sheet td p { margin: 0; text-align: left; }
  .sheet img { width: 132px; height: 132px; }
</style></head><body><div class="page"><div class="sheet">${body}</div></div></body></html>`;
}
