import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page, Route } from 'playwright-core';
import { screenshot, startTownshipInBrowser, type TownshipTokens } from './web/browser';
import type { Ledger } from './web/harness';

/**
 * The township's path on a phone, as the 钉钉/企业微信 web view shows the app: 375 CSS pixels wide,
 * touch and no hover. A unit user signs in, sees what is due, acknowledges, reports progress with a
 * photo, asks for more time and reports completion with a file (the upload's bar shown). Each step is
 * read back through the API; the pages never scroll sideways and the buttons a thumb needs are 44 px tall.
 */
describe('web on a phone: a township works its item at 375 px with touch', () => {
  let ledger: Ledger;
  let browser: Browser;
  let tokens: TownshipTokens;
  const ids = { item: '', soon: '' };
  const NOW = new Date('2026-03-02T01:00:00Z');
  const WIDTH = 375;
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  // A 1×1 PNG (what a phone's camera hands over, in miniature) and a PDF of some size for the bar to count.
  const photo = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n%验收报告\n', 'utf8'), Buffer.alloc(128 * 1024, 0x20), Buffer.from('\n%%EOF\n')]);
  type Entry = { type: string; data: Record<string, unknown> };
  const history = () => ledger.get<Entry[]>(tokens.org, `/items/${ids.item}/history`);
  const last = async (type: string) => (await history()).filter((e) => e.type === type).at(-1);

  beforeAll(async () => {
    const scene = await startTownshipInBrowser({ at: NOW, sheetNumber: '源组交〔2026〕5号' });
    ({ ledger, browser, tokens } = scene);
    // A long title and long requirements: what pushes a narrow page sideways if anything can.
    ids.item = await scene.assign({
      title: '村级党组织书记专题培训及村级阵地规范化建设整改落实情况报送（含照片和台账）',
      dueDate: '2026-03-20',
      requirements:
        '按照《关于进一步规范村级组织活动场所建设管理的通知》要求逐项整改，https://example.invalid/very/long/link/without/any/breaks/0123456789abcdef 附整改前后照片。',
    });
    ids.soon = await scene.assign({ title: '党员信息采集核对', dueDate: '2026-03-04' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
  });

  async function phone(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await browser.newContext({
      viewport: { width: WIDTH, height: 812 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    context.setDefaultTimeout(20_000);
    await context.clock.setFixedTime(NOW);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && errors.push(m.text())));
    return { context, page, errors };
  }
  const scrollWidth = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth');
  const height = async (l: Locator) => (await l.boundingBox())?.height ?? 0;
  const notice = (page: Page, text: string) => page.locator('[data-test=notice]').filter({ hasText: text }).waitFor();
  /** A text box's font size in CSS pixels: below 16 the phone zooms the page on focus. */
  const fontSize = (l: Locator) =>
    l.evaluate((e) => parseFloat((globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(e).fontSize));

  it('signs in, sees what is due, acknowledges, reports progress with a photo, asks for more time and reports completion', async () => {
    const { context, page, errors } = await phone();

    // Sign in: the token box, tapped as a thumb does.
    await page.goto(`${ledger.url}/signin?token`);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(WIDTH);
    await page.locator('[data-test=token]').tap();
    expect(await fontSize(page.locator('[data-test=token]'))).toBeGreaterThanOrEqual(16);
    await page.locator('[data-test=token]').fill(tokens.unit);
    expect(await height(page.locator('[data-test=signin]'))).toBeGreaterThanOrEqual(44);
    await page.locator('[data-test=signin]').tap();
    await page.waitForURL((u) => u.pathname === '/workbench');

    // The workbench: both items due, the nearer one flagged, nothing wider than the screen.
    const todo = page.locator('[data-test=todo]');
    await todo.locator(`[data-item="${ids.item}"]`).waitFor();
    await todo.locator(`[data-item="${ids.soon}"]`).waitFor();
    await expect(page.locator('[data-test=figures] [data-fig=dueSoon]').textContent()).resolves.toBe('1');
    await expect(page.locator('[data-test=figures] [data-fig=open]').textContent()).resolves.toBe('2');
    expect(await scrollWidth(page)).toBeLessThanOrEqual(WIDTH);
    const card = todo.locator(`[data-item="${ids.item}"]`);
    expect(await height(card.locator('[data-test=tick]'))).toBeGreaterThanOrEqual(44);
    expect(await height(card.locator('[data-test=open-item]'))).toBeGreaterThanOrEqual(44);
    expect(await height(page.locator('[data-test=sign-out]'))).toBeGreaterThanOrEqual(44);
    await screenshot(page, 'phone-workbench');

    // The item page, opened from its card.
    await card.locator('[data-test=open-item]').tap();
    await page.waitForURL((u) => u.pathname === `/items/${ids.item}`);
    await page.locator('[data-test=actions] button').first().waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(WIDTH);
    for (const b of await page.locator('[data-test=actions] button').all()) expect(await height(b)).toBeGreaterThanOrEqual(44);

    // 签收.
    await page.locator('[data-test=act-acknowledge]').tap();
    await notice(page, '已签收');
    expect(await last('ItemAcknowledged')).toBeDefined();
    await expect(ledger.get<{ status: string }>(tokens.org, `/items/${ids.item}`)).resolves.toMatchObject({ status: 'in_progress' });

    // 报告进展 with a photo.
    await page.locator('[data-test=act-progress]').tap();
    const note = page.locator('[data-test=action-form] textarea');
    expect(await fontSize(note)).toBeGreaterThanOrEqual(16);
    await note.tap();
    await note.fill('已完成阵地选址，现场照片附后。');
    await page.locator('[data-test=action-form] input[type=file]').setInputFiles({ name: '现场照片.png', mimeType: 'image/png', buffer: photo });
    expect(await scrollWidth(page)).toBeLessThanOrEqual(WIDTH);
    expect(await height(page.locator('[data-test=submit-action]'))).toBeGreaterThanOrEqual(44);
    expect(await height(page.locator('[data-test=cancel-action]'))).toBeGreaterThanOrEqual(44);
    await page.locator('[data-test=submit-action]').tap();
    await notice(page, '进展已报告');
    expect((await last('ProgressReported'))?.data).toMatchObject({
      note: '已完成阵地选址，现场照片附后。',
      evidence: [{ name: '现场照片.png', size: photo.length, sha256: sha(photo), stored: true }],
    });
    // The file is listed beside the item, its long digest kept inside the screen.
    await page.locator(`[data-test=evidence-list] [data-sha256="${sha(photo)}"]`).waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(WIDTH);

    // 申请延期.
    await page.locator('[data-test=act-extension]').tap();
    const date = page.locator('[data-test=action-form] input[type=date]');
    expect(await fontSize(date)).toBeGreaterThanOrEqual(16);
    await date.fill('2026-03-31');
    await page.locator('[data-test=action-form] textarea').fill('施工队进场推迟。');
    expect(await scrollWidth(page)).toBeLessThanOrEqual(WIDTH);
    await page.locator('[data-test=submit-action]').tap();
    await notice(page, '延期申请已提交');
    expect((await last('ExtensionRequested'))?.data).toMatchObject({ newDueDate: '2026-03-31', reason: '施工队进场推迟。' });

    // 反馈办结 with a file; the upload is held until its bar is seen (a probe, not a race with loopback).
    await page.locator('[data-test=act-complete]').tap();
    await page.locator('[data-test=action-form] textarea').fill('阵地已按标准建成并投入使用，验收报告附后。');
    await page.locator('[data-test=action-form] input[type=file]').setInputFiles({ name: '验收报告.pdf', mimeType: 'application/pdf', buffer: pdf });
    let held: Route | null = null;
    const reached = new Promise<void>((resolve) => {
      void page.route('**/api/v1/evidence', (route) => {
        held = route;
        resolve();
      });
    });
    await page.locator('[data-test=submit-action]').tap();
    await reached;
    const bar = page.locator('[data-test=upload-progress]');
    await bar.waitFor();
    expect(await bar.textContent()).toContain('验收报告.pdf');
    expect(await bar.locator('progress').getAttribute('max')).toBe(String(pdf.length));
    const box = await bar.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(WIDTH);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(WIDTH);
    // From the top: a full-page capture of a scrolled page draws the sticky header in the middle.
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'phone-item');
    await held!.continue();
    await notice(page, '已反馈办结');
    await bar.waitFor({ state: 'detached' });
    expect((await last('CompletionReported'))?.data).toMatchObject({
      summary: '阵地已按标准建成并投入使用，验收报告附后。',
      evidence: [{ name: '验收报告.pdf', size: pdf.length, sha256: sha(pdf), stored: true }],
    });
    await expect(ledger.get<{ status: string }>(tokens.org, `/items/${ids.item}`)).resolves.toMatchObject({ status: 'reported' });
    await page.locator('[data-test=timeline] [data-event=CompletionReported]').waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(WIDTH);

    // Back on the workbench the item waits for review.
    await page.locator('.top nav a').filter({ hasText: '我的事项' }).tap();
    await page.locator(`[data-test=awaiting] [data-item="${ids.item}"]`).waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(WIDTH);
    expect(errors).toEqual([]);
    await context.close();
  });
});
