import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { Browser, Route } from 'playwright-core';
import { signedIn as signedInAt, startTownshipInBrowser, type TownshipTokens } from './web/browser';
import type { Ledger } from './web/harness';

/**
 * Evidence files in Chromium: a unit reports completion with a PDF, the upload shows its
 * progress bar, and an inspector opens the file beside the item and gets the very bytes uploaded.
 */
describe('web: evidence files are uploaded with the report and opened beside the item', () => {
  let ledger: Ledger;
  let browser: Browser;
  let tokens: TownshipTokens;
  let itemId = '';
  const NOW = new Date('2026-03-02T01:00:00Z');
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  // A PDF of some size (the bar has something to count), built here rather than read from the code under test.
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n%整改报告\n', 'utf8'), Buffer.alloc(256 * 1024, 0x20), Buffer.from('\n%%EOF\n')]);
  type Entry = { type: string; data: Record<string, unknown> };
  const history = () => ledger.get<Entry[]>(tokens.org, `/items/${itemId}/history`);

  beforeAll(async () => {
    const scene = await startTownshipInBrowser({ at: NOW, sheetNumber: '源组交〔2026〕3号' });
    ({ ledger, browser, tokens } = scene);
    itemId = await scene.assign({ title: '党员活动室标识标牌上墙', dueDate: '2026-03-20' });
  });

  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
  });

  it('a file of a type off the list is refused with the reason, and nothing is reported', async () => {
    const unit = await signedInAt(browser, ledger.url, tokens.unit, { at: NOW });
    await unit.page.goto(`${ledger.url}/items/${itemId}`);
    await unit.page.locator('[data-test=act-progress]').click();
    await unit.page.locator('[data-test=action-form] textarea').fill('已完成选址。');
    await unit.page
      .locator('[data-test=action-form] input[type=file]')
      .setInputFiles({ name: '说明.html', mimeType: 'image/png', buffer: Buffer.from('<html><script>alert(1)</script></html>') });
    await unit.page.locator('[data-test=submit-action]').click();
    await unit.page.getByRole('alert').filter({ hasText: '佐证材料只能是图片' }).waitFor();
    expect((await history()).map((e) => e.type)).toEqual(['ItemAssigned']);
    expect(unit.errors).toEqual([]);
    await unit.context.close();
  });

  it('a unit completes with a PDF (progress bar shown while it uploads); an inspector downloads the same bytes', async () => {
    const unit = await signedInAt(browser, ledger.url, tokens.unit, { at: NOW });
    await unit.page.goto(`${ledger.url}/items/${itemId}`);
    await unit.page.locator('[data-test=act-complete]').click();
    await unit.page.locator('[data-test=action-form] textarea').fill('标识标牌已全部上墙，照片及验收报告附后。');
    await unit.page.locator('[data-test=action-form] input[type=file]').setInputFiles({ name: '验收报告.pdf', mimeType: 'application/pdf', buffer: pdf });
    // The upload is held until the bar is seen: a probe, not a race against a fast loopback.
    let held: Route | null = null;
    const reached = new Promise<void>((resolve) => {
      void unit.page.route('**/api/v1/evidence', (route) => {
        held = route;
        resolve();
      });
    });
    await unit.page.locator('[data-test=submit-action]').click();
    await reached;
    const bar = unit.page.locator('[data-test=upload-progress]');
    await bar.waitFor();
    expect(await bar.textContent()).toContain('验收报告.pdf');
    expect(await bar.locator('progress').getAttribute('max')).toBe(String(pdf.length));
    await held!.continue();
    await unit.page.locator('[data-test=notice]').filter({ hasText: '已反馈办结' }).waitFor();
    await bar.waitFor({ state: 'detached' });

    const reported = (await history()).find((e) => e.type === 'CompletionReported');
    expect(reported?.data.evidence).toEqual([{ name: '验收报告.pdf', size: pdf.length, sha256: sha(pdf), stored: true }]);
    expect(unit.errors).toEqual([]);
    await unit.context.close();

    const insp = await signedInAt(browser, ledger.url, tokens.inspector, { at: NOW });
    await insp.page.goto(`${ledger.url}/items/${itemId}`);
    const link = insp.page.locator(`[data-test=evidence-list] [data-sha256="${sha(pdf)}"] [data-test=evidence-link]`);
    expect(await link.textContent()).toBe('验收报告.pdf');
    const [download] = await Promise.all([insp.page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('验收报告.pdf');
    const saved = await download.path();
    expect(sha(fs.readFileSync(saved))).toBe(sha(pdf));
    expect(fs.readFileSync(saved).equals(pdf)).toBe(true);
    expect(insp.errors).toEqual([]);
    await insp.context.close();
  });
});
