import { FixedClock } from '@ledger/platform';
import type { Browser } from 'playwright-core';
import { readZipText, wordText } from '../libs/sheets-io/src/testing/zip-entry';
import { launchBrowser, signedIn as signedInAt } from './web/browser';
import { ensureWebBuilt, startLedger, type Ledger } from './web/harness';

/**
 * Issue 19, point 4: 生成督查通报 on the dashboard, for the organisation department and the inspectors:
 * last month by default, and the file the browser saves is the API's .docx for that month; or a week.
 */
describe('web app: 生成督查通报', () => {
  let ledger: Ledger;
  let browser: Browser;
  const tokens = { admin: '', org: '', inspector: '', discipline: '' };
  /** 09:00 on 2026-03-02 in the county: last month is 2026-02. */
  const NOW = new Date('2026-03-02T01:00:00Z');
  const signedIn = (token: string) => signedInAt(browser, ledger.url, token, { at: NOW });

  beforeAll(async () => {
    ensureWebBuilt();
    // The county is registered in February, so that February's bulletin has a county to speak of.
    const clock = new FixedClock(new Date('2026-02-10T01:00:00Z'));
    ledger = await startLedger({ clock });
    tokens.admin = ledger.token({ sub: 'admin-1', role: 'admin', name: '系统管理员' });
    tokens.org = ledger.token({ sub: 'org-1', role: 'org_dept', name: '张组织' });
    tokens.inspector = ledger.token({ sub: 'insp-1', role: 'inspector', name: '赵督查' });
    tokens.discipline = ledger.token({ sub: 'disc-1', role: 'discipline', name: '钱纪检' });
    await ledger.post(tokens.admin, '/units', { id: 'C', name: '湟源县委', kind: 'county_committee' });
    await ledger.post(tokens.admin, '/units', { id: 'T1', name: '城关镇党委', kind: 'township_committee', parentId: 'C' });
    clock.set(NOW);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
  });

  it("the organisation department downloads last month's bulletin as the API renders it", async () => {
    const org = await signedIn(tokens.org);
    await org.page.goto(`${ledger.url}/dashboard`);
    const form = org.page.locator('[data-test=bulletin]');
    await form.waitFor();
    expect(await form.locator('[data-test=bulletin-period]').inputValue()).toBe('2026-02');
    const downloaded = org.page.waitForEvent('download');
    await form.locator('[data-test=bulletin-docx]').click();
    // The download, or the page's error box: fail with its words.
    const alert = org.page.locator('.error-box');
    const download = await Promise.race([downloaded, alert.waitFor().then(async () => Promise.reject(new Error(`error box: ${await alert.textContent()}`)))]);
    expect(download.suggestedFilename()).toBe('督查通报2026-02.docx');
    const chunks: Buffer[] = [];
    for await (const c of (await download.createReadStream())!) chunks.push(c as Buffer);
    const lines = wordText(await readZipText(Buffer.concat(chunks), 'word/document.xml')).split('\n');
    expect(lines.slice(0, 3)).toEqual(['湟源县委督查通报', '〔2026〕第2期', '（2026-02-01 至 2026-02-28）']);
    expect(lines).toContain('1\t城关镇党委\t0\t0\t0.0%\t0.0%\t0\t');
    expect(org.errors).toEqual([]);
    await org.context.close();
  });

  it("lets the inspector pick a week instead: last ISO week by default, its dates shown, the API's weekly .docx saved", async () => {
    const insp = await signedIn(tokens.inspector);
    await insp.page.goto(`${ledger.url}/dashboard`);
    const form = insp.page.locator('[data-test=bulletin]');
    await form.waitFor();
    expect(await form.locator('[data-test=bulletin-week]').count()).toBe(0);
    await form.locator('[data-test=bulletin-kind]').selectOption('week');
    // By hand: 2026-01-01 is a Thursday, so 2026-W01 starts on Monday 2025-12-29; Monday 2026-03-02 is 63 days
    // (9 weeks) later, in W10; last week is W09, Monday 02-23 to Sunday 03-01.
    const week = form.locator('[data-test=bulletin-week]');
    expect(await week.inputValue()).toBe('2026-W09');
    expect(await form.locator('[data-test=bulletin-week-dates]').textContent()).toBe('2月23日至3月1日');
    await week.fill('2026-W08');
    expect(await form.locator('[data-test=bulletin-week-dates]').textContent()).toBe('2月16日至2月22日');
    const downloaded = insp.page.waitForEvent('download');
    await form.locator('[data-test=bulletin-docx]').click();
    const alert = insp.page.locator('.error-box');
    const download = await Promise.race([downloaded, alert.waitFor().then(async () => Promise.reject(new Error(`error box: ${await alert.textContent()}`)))]);
    expect(download.suggestedFilename()).toBe('督查通报2026-W08.docx');
    const chunks: Buffer[] = [];
    for await (const c of (await download.createReadStream())!) chunks.push(c as Buffer);
    const lines = wordText(await readZipText(Buffer.concat(chunks), 'word/document.xml')).split('\n');
    expect(lines.slice(0, 3)).toEqual(['湟源县委督查通报', '〔2026〕第8期（周报）', '2026年第8周（2月16日至2月22日）']);
    expect(insp.errors).toEqual([]);
    await insp.context.close();
  });

  it('is offered to inspectors, not to the discipline commission', async () => {
    const insp = await signedIn(tokens.inspector);
    await insp.page.goto(`${ledger.url}/dashboard`);
    await insp.page.locator('[data-test=bulletin] [data-test=bulletin-docx]').filter({ hasText: '生成督查通报' }).waitFor();
    await insp.context.close();
    const disc = await signedIn(tokens.discipline);
    await disc.page.goto(`${ledger.url}/dashboard`);
    await disc.page.locator('[data-test=dashboard]').waitFor();
    await disc.page.locator('[data-test=figures]').waitFor();
    expect(await disc.page.locator('[data-test=bulletin]').count()).toBe(0);
    await disc.context.close();
  });
});
