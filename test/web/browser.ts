import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { countyDate } from '@ledger/contracts/county-time';
import { FixedClock } from '@ledger/platform';
import { ensureWebBuilt, startLedger, type Ledger } from './harness';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless; Playwright gives each launch a fresh temporary profile (user-data-dir) and removes it on close. */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
      '--lang=zh-CN',
    ],
  });
}

/** The people of a township scene: tokens for each role the item page's specs act as. */
export interface TownshipTokens {
  admin: string;
  org: string;
  inspector: string;
  discipline: string;
  /** 城关镇党委's user (unit u-cg). */
  unit: string;
}

/**
 * The scene the item-page specs start from, with Chromium: the real back end at a fixed instant `at`, a
 * county (u-county), its township 城关镇党委 (u-cg) with its secretary 李明 (c-liming) and one sheet
 * (s-1, numbered `sheetNumber`, issued that county day), to which `assign` adds items for 城关镇.
 */
export async function startTownshipInBrowser(options: { at: Date; sheetNumber: string }): Promise<{
  ledger: Ledger;
  browser: Browser;
  tokens: TownshipTokens;
  assign(item: { title: string; dueDate: string; requirements?: string }): Promise<string>;
}> {
  ensureWebBuilt();
  const ledger = await startLedger({ clock: new FixedClock(options.at) });
  try {
    const tokens: TownshipTokens = {
      admin: ledger.token({ sub: 'admin-1', role: 'admin', name: '系统管理员' }),
      org: ledger.token({ sub: 'org-1', role: 'org_dept', name: '张组织' }),
      inspector: ledger.token({ sub: 'insp-1', role: 'inspector', name: '赵督查' }),
      discipline: ledger.token({ sub: 'disc-1', role: 'discipline', name: '钱纪检' }),
      unit: ledger.token({ sub: 'unit-cg', role: 'unit', unitId: 'u-cg', name: '李明' }),
    };
    await ledger.post(tokens.admin, '/units', { id: 'u-county', name: '湟源县委', kind: 'county_committee' });
    await ledger.post(tokens.admin, '/units', { id: 'u-cg', name: '城关镇党委', kind: 'township_committee', parentId: 'u-county' });
    await ledger.post(tokens.admin, '/cadres', { id: 'c-liming', name: '李明', unitId: 'u-cg', post: '书记' });
    await ledger.post(tokens.org, '/sheets', { id: 's-1', number: options.sheetNumber, title: '交办单', issuedOn: countyDate(options.at) });
    const assign = async (item: { title: string; dueDate: string; requirements?: string }) =>
      (await ledger.post(tokens.org, '/items', { sheetId: 's-1', unitId: 'u-cg', cadreId: 'c-liming', ...item })).id;
    return { ledger, browser: await launchBrowser(), tokens, assign };
  } catch (e) {
    await ledger.close();
    throw e;
  }
}

/**
 * A signed-in page: the token pasted on the sign-in page, as a person does it. `at`: the instant the
 * page's Date answers (the server's fixed clock), timers running as usual; default the system's time.
 */
export async function signedIn(
  browser: Browser,
  baseUrl: string,
  token: string,
  options: { viewport?: { width: number; height: number }; at?: Date } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(15_000);
  if (options.at) await context.clock.setFixedTime(options.at);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The server's Content-Security-Policy must let the whole app run: Chromium reports each refusal on the console.
  page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && errors.push(m.text())));
  // The token box (scripts, tests) is offered on /signin?token; the sign-in page itself asks for login and password.
  await page.goto(`${baseUrl}/signin?token`);
  await page.locator('[data-test=token]').fill(token);
  await page.locator('[data-test=signin]').click();
  // Signed in (the app leaves /signin), or the sign-in page says why not: fail with its words.
  const refused = page.getByRole('alert').first();
  await Promise.race([page.waitForURL((u) => !u.pathname.startsWith('/signin')), refused.waitFor()]);
  if (new URL(page.url()).pathname.startsWith('/signin')) throw new Error(`sign-in refused: ${await refused.textContent()}`);
  return { context, page, errors };
}

/**
 * The README's screenshots are refreshed only on request (UPDATE_SCREENSHOTS=1 npx jest test/web-browser):
 * an ordinary test run must leave the working tree as it found it. Otherwise they go to a temp folder.
 */
export const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : path.join(os.tmpdir(), 'ledger-screenshots');
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  // A blank or failed capture would still pass silently: a real page of this app is tens of kilobytes.
  if (fs.statSync(file).size < 5_000) throw new Error(`screenshot ${name} is suspiciously small`);
}
