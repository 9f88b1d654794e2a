import { FixedClock } from '@ledger/platform';
import type { Browser } from 'playwright-core';
import { AccountCommands } from '../apps/api/src/accounts/account-commands.service';
import { writeDemoUsers } from '../apps/api/src/web/demo-users.controller';
import { launchBrowser } from './web/browser';
import { ensureWebBuilt, startLedger, type Ledger } from './web/harness';

/**
 * The sign-in page in demo mode (Debian's Chromium): next to each one-click demo
 * user it shows the demo account (演示账号) and its password; one click fills the password form, and
 * the real password sign-in lets the user in. (test/demo.spec.ts loads the whole demo county.)
 */
describe('web app: demo accounts on the sign-in page', () => {
  let ledger: Ledger;
  let browser: Browser;
  const NOW = new Date('2026-03-02T01:00:00Z');
  const clock = new FixedClock(NOW);

  beforeAll(async () => {
    ensureWebBuilt();
    ledger = await startLedger({ clock, demo: true });
    const admin = ledger.token({ sub: 'demo-admin', role: 'admin', name: '系统管理员' });
    await ledger.post(admin, '/units', { id: 'u-county', name: '湟源县委', kind: 'county_committee' });
    await ledger.post(admin, '/accounts', { id: 'demo-inspector', login: 'demo.inspector', name: '张督查', roles: ['inspector'], unitId: 'u-county' });
    await ledger.app.get(AccountCommands).credentials.setPassword('demo-inspector', 'Demo@2026', { mustChange: false, now: NOW.toISOString() });
    const token = ledger.token({ sub: 'demo-inspector', role: 'inspector', unitId: 'u-county', name: '张督查' });
    await writeDemoUsers(ledger.config.dataDir, [
      { role: 'inspector', name: '张督查', unitId: 'u-county', token, label: '县委督查室 · 张督查', login: 'demo.inspector', password: 'Demo@2026' },
    ]);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
  });

  it("shows each demo user's login and password, fills them on a click, and the password sign-in lets the user in", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    context.setDefaultTimeout(20_000);
    await context.clock.setFixedTime(NOW);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${ledger.url}/signin`);
    const account = page.locator('[data-test=demo-account]');
    await expect(account.textContent()).resolves.toContain('演示账号 demo.inspector / 密码 Demo@2026');
    await account.click();
    await expect(page.locator('[data-test=login]').inputValue()).resolves.toBe('demo.inspector');
    await expect(page.locator('[data-test=password]').inputValue()).resolves.toBe('Demo@2026');
    await page.locator('[data-test=signin-password]').click();
    await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
    await expect(page.locator('header').textContent()).resolves.toContain('张督查');
    expect(errors).toEqual([]);
    await context.close();
  });
});
