import { FixedClock } from '@ledger/platform';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { bootstrapAdministrator } from '../apps/api/src/accounts/bootstrap';
import { launchBrowser } from './web/browser';
import { ensureWebBuilt, startLedger, type Ledger } from './web/harness';

/**
 * Sign-in for people, through the real web page in Debian's Chromium: the bootstrap
 * administrator signs in with login and password, is made to change the password, opens accounts
 * for a township user and an inspector (reading each one-time password off the page), and each of
 * them signs in, changes the password, and sees only what the role and unit allow. The access token
 * lives in memory: a reload comes back by the httpOnly refresh cookie, and sign-out ends it.
 */
describe('web app: sign-in with login and password', () => {
  let ledger: Ledger;
  let browser: Browser;
  const NOW = new Date('2026-03-02T01:00:00Z');
  const clock = new FixedClock(NOW);
  const ids = { county: 'u-county', cg: 'u-chengguan', dh: 'u-dahua', c1: 'c-liming', c2: 'c-wangfang', sheet: 's-2026-01', mine: '', theirs: '' };

  beforeAll(async () => {
    ensureWebBuilt();
    ledger = await startLedger({ clock });
    expect(await bootstrapAdministrator(ledger.app, { login: 'admin', password: 'Bootstrap-2026' })).toMatch(/^bootstrap administrator: login admin/);
    // The county's tree and two items, as the organisation department keeps them (its own pages, tested elsewhere).
    const admin = ledger.token({ sub: 'setup-admin', role: 'admin', name: '初始化' });
    const org = ledger.token({ sub: 'setup-org', role: 'org_dept', name: '组织部' });
    await ledger.post(admin, '/units', { id: ids.county, name: '湟源县委', kind: 'county_committee' });
    await ledger.post(admin, '/units', { id: ids.cg, name: '城关镇党委', kind: 'township_committee', parentId: ids.county });
    await ledger.post(admin, '/units', { id: ids.dh, name: '大华镇党委', kind: 'township_committee', parentId: ids.county });
    await ledger.post(admin, '/cadres', { id: ids.c1, name: '李明', unitId: ids.cg, post: '书记' });
    await ledger.post(admin, '/cadres', { id: ids.c2, name: '王芳', unitId: ids.dh, post: '书记' });
    await ledger.post(org, '/sheets', { id: ids.sheet, number: '源组交〔2026〕1号', title: '基层党建重点任务交办单', issuedOn: '2026-03-02' });
    ids.mine = (
      await ledger.post(org, '/items', { sheetId: ids.sheet, title: '城关镇三会一课整改', unitId: ids.cg, cadreId: ids.c1, dueDate: '2026-03-12' })
    ).id;
    ids.theirs = (
      await ledger.post(org, '/items', { sheetId: ids.sheet, title: '大华镇集体经济督导', unitId: ids.dh, cadreId: ids.c2, dueDate: '2026-03-20' })
    ).id;
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
  });

  async function newPage(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    context.setDefaultTimeout(20_000);
    await context.clock.setFixedTime(NOW);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && errors.push(m.text())));
    return { context, page, errors };
  }

  /** Login and password on the sign-in page; with a first password, the forced change to `next`. */
  async function signIn(page: Page, login: string, password: string, next?: string): Promise<void> {
    await page.goto(`${ledger.url}/signin`);
    // No token box outside demo mode.
    await expect(page.locator('[data-test=token]').count()).resolves.toBe(0);
    await page.locator('[data-test=login]').fill(login);
    await page.locator('[data-test=password]').fill(password);
    await page.locator('[data-test=signin-password]').click();
    if (next) {
      await page.locator('[data-test=change-password-form]').waitFor();
      await expect(page.locator('[data-test=policy]').textContent()).resolves.toContain('至少 8 位');
      // A password against the policy: the rule it breaks, in words, and still on the change form.
      await page.locator('[data-test=new-password]').fill('short1A');
      await page.locator('[data-test=confirm-password]').fill('short1A');
      await page.locator('[data-test=change-password]').click();
      await page.getByRole('alert').filter({ hasText: '密码至少 8 位' }).waitFor();
      await page.locator('[data-test=new-password]').fill(next);
      await page.locator('[data-test=confirm-password]').fill(next);
      await page.locator('[data-test=change-password]').click();
    }
    await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
  }

  const path = (page: Page) => new URL(page.url()).pathname;
  const nav = (page: Page) => page.locator('header nav').textContent();

  it('the bootstrap administrator changes the password, opens a township user and an inspector; each sees only what the role and unit allow', async () => {
    const admin = await newPage();
    // A wrong password: the one sentence for a wrong login or password.
    await admin.page.goto(`${ledger.url}/signin`);
    await admin.page.locator('[data-test=login]').fill('admin');
    await admin.page.locator('[data-test=password]').fill('Not-The-Password-1');
    await admin.page.locator('[data-test=signin-password]').click();
    await admin.page.getByRole('alert').filter({ hasText: '登录名或密码错误' }).waitFor();

    await signIn(admin.page, 'admin', 'Bootstrap-2026', 'Admin-New-2026!');
    expect(path(admin.page)).toBe('/accounts');
    await expect(admin.page.locator('[data-test=who] [data-test=role]').textContent()).resolves.toBe('系统管理员');

    const open = async (login: string, name: string, role: string, unitId?: string): Promise<string> => {
      await admin.page.locator('[data-test=acc-login]').fill(login);
      await admin.page.locator('[data-test=acc-name]').fill(name);
      await admin.page.locator('[data-test=acc-role]').selectOption(role);
      if (unitId) await admin.page.locator('[data-test=acc-unit]').selectOption(unitId);
      await admin.page.locator('[data-test=acc-submit]').click();
      await admin.page.locator('[data-test=opened-login]').filter({ hasText: login }).waitFor();
      const password = (await admin.page.locator('[data-test=initial-password]').textContent())!.trim();
      expect(password).toMatch(/^[A-Za-z0-9]{16}$/);
      return password;
    };
    const townshipPassword = await open('chengguan', '城关镇党委账号', 'unit', ids.cg);
    const inspectorPassword = await open('ducha', '督查室账号', 'inspector');
    const securityPassword = await open('anquan', '安全管理员', 'secadmin');
    await admin.page.locator('[data-test=accounts] [data-account=ducha]').waitFor();

    // A reload keeps the session (the access token was in memory; the refresh cookie brings it back).
    await admin.page.reload();
    await admin.page.locator('[data-test=accounts] [data-account=chengguan]').waitFor();
    expect(path(admin.page)).toBe('/accounts');
    // The refresh cookie is out of the page's reach.
    await expect(admin.page.evaluate('document.cookie')).resolves.toBe('');
    const cookies = await admin.context.cookies();
    expect(cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite, path: c.path }))).toEqual([
      { name: 'ledger_refresh', httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' },
    ]);
    await admin.page.locator('[data-test=sign-out]').click();
    await admin.page.waitForURL((u) => u.pathname.startsWith('/signin'));
    await admin.page.reload();
    await admin.page.locator('[data-test=password-form]').waitFor();
    expect(path(admin.page)).toBe('/signin');

    // The township user: its workbench, its own item and not the other township's.
    const town = await newPage();
    await signIn(town.page, 'chengguan', townshipPassword, 'Cheng-Guan-88');
    expect(path(town.page)).toBe('/workbench');
    await town.page.locator(`[data-test=todo] [data-item="${ids.mine}"]`).waitFor();
    await expect(town.page.locator(`[data-item="${ids.theirs}"]`).count()).resolves.toBe(0);
    await expect(town.page.locator('[data-test=who] [data-test=role]').textContent()).resolves.toBe('承办单位');
    const townNav = await nav(town.page);
    expect(townNav).not.toContain('全县统计');
    expect(townNav).not.toContain('账号管理');
    await town.page.goto(`${ledger.url}/accounts`);
    await town.page.waitForURL((u) => u.pathname === '/forbidden');
    await town.page.goto(`${ledger.url}/items/${ids.theirs}`);
    await town.page.locator('[data-test=denied]').waitFor();
    // Six minutes on the server's clock: the access token has expired; the page refreshes it by the cookie and goes on.
    clock.set(new Date(NOW.getTime() + 6 * 60_000));
    await town.page.locator('header nav a', { hasText: '我的事项' }).click();
    await town.page.locator(`[data-test=todo] [data-item="${ids.mine}"]`).waitFor();
    expect(path(town.page)).toBe('/workbench');

    // The inspector: the review queue, every township's items, no accounts.
    const insp = await newPage();
    await signIn(insp.page, 'ducha', inspectorPassword, 'Du-Cha-2026!');
    expect(path(insp.page)).toBe('/review');
    expect(await nav(insp.page)).not.toContain('账号管理');
    await insp.page.goto(`${ledger.url}/items`);
    await insp.page.locator(`[data-test=item-table] [data-item="${ids.theirs}"]`).waitFor();
    await insp.page.locator(`[data-test=item-table] [data-item="${ids.mine}"]`).waitFor();
    await insp.page.goto(`${ledger.url}/accounts`);
    await insp.page.waitForURL((u) => u.pathname === '/forbidden');

    // The security administrator locks the inspector: the inspector's open page is signed out at its next request.
    const sec = await newPage();
    await signIn(sec.page, 'anquan', securityPassword, 'An-Quan-2026!');
    expect(path(sec.page)).toBe('/accounts');
    await expect(sec.page.locator('[data-test=open-account]').count()).resolves.toBe(0);
    const row = sec.page.locator('[data-test=accounts] [data-account=ducha]');
    await row.locator('[data-test=lock]').click();
    await sec.page.locator('[data-test=notice]').filter({ hasText: '已锁定 ducha' }).waitFor();
    await row.locator('[data-test=status]').filter({ hasText: '已锁定' }).waitFor();
    await insp.page.locator('header nav a', { hasText: '事项清单' }).click();
    await insp.page.waitForURL((u) => u.pathname.startsWith('/signin'));
    await insp.page.locator('[data-test=login]').fill('ducha');
    await insp.page.locator('[data-test=password]').fill('Du-Cha-2026!');
    await insp.page.locator('[data-test=signin-password]').click();
    await insp.page.getByRole('alert').filter({ hasText: '锁定' }).waitFor();
    // Unlocked and reset: the one-time password read off the page signs in, and must be changed again.
    await row.locator('[data-test=unlock]').click();
    await row.locator('[data-test=status]').filter({ hasText: '正常' }).waitFor();
    await row.locator('[data-test=reset]').click();
    await sec.page.locator('[data-test=opened-login]').filter({ hasText: 'ducha' }).waitFor();
    const resetPassword = (await sec.page.locator('[data-test=initial-password]').textContent())!.trim();
    await signIn(insp.page, 'ducha', resetPassword, 'Du-Cha-2027!');
    expect(path(insp.page)).toBe('/review');

    // The new passwords are the ones that sign in now.
    const again = await newPage();
    await signIn(again.page, 'chengguan', 'Cheng-Guan-88');
    expect(path(again.page)).toBe('/workbench');

    expect([...admin.errors, ...town.errors, ...insp.errors, ...sec.errors, ...again.errors]).toEqual([]);
    for (const c of [admin, town, insp, sec, again]) await c.context.close();
  }, 180_000);

  it('an account holding two roles picks which one this sign-in acts with; each acts as that role', async () => {
    // 组织部 and 督查室 both (not administrator roles), its password already its own.
    const sys = ledger.token({ sub: 'setup-sys', role: 'sysadmin', name: '初始化' });
    const opened = (await ledger.post(sys, '/accounts', { login: 'liangjian', name: '梁兼', roles: ['org_dept', 'inspector'] })) as unknown as {
      initialPassword: string;
    };
    const first = await fetch(`${ledger.url}/api/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login: 'liangjian', password: opened.initialPassword }),
    });
    const { accessToken } = (await first.json()) as { accessToken: string };
    const changed = await fetch(`${ledger.url}/api/v1/auth/password`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ current: opened.initialPassword, next: 'Liang-Jian-2026' }),
    });
    expect(changed.status).toBe(204);

    const both = await newPage();
    const enterAs = async (label: string, role: string) => {
      await both.page.goto(`${ledger.url}/signin`);
      await both.page.locator('[data-test=login]').fill('liangjian');
      await both.page.locator('[data-test=password]').fill('Liang-Jian-2026');
      await both.page.locator('[data-test=signin-password]').click();
      await both.page.locator('[data-test=role-picker]').waitFor();
      await expect(both.page.locator('[data-test=pick-role]').allTextContents()).resolves.toEqual(['县委组织部', '督查室']);
      await both.page.locator(`[data-test=pick-role][data-role=${role}]`).click();
      await both.page.waitForURL((u) => !u.pathname.startsWith('/signin'));
      await expect(both.page.locator('[data-test=who] [data-test=role]').textContent()).resolves.toBe(label);
    };
    await enterAs('督查室', 'inspector');
    expect(path(both.page)).toBe('/review');
    const asInspector = await nav(both.page);
    expect(asInspector).toContain('审核队列');
    expect(asInspector).not.toContain('问责台账');
    await both.page.locator('[data-test=sign-out]').click();
    await both.page.waitForURL((u) => u.pathname.startsWith('/signin'));
    await enterAs('县委组织部', 'org_dept');
    expect(path(both.page)).toBe('/dashboard');
    // The org department's register, which the inspector role does not have.
    expect(await nav(both.page)).toContain('问责台账');
    expect(both.errors).toEqual([]);
    await both.context.close();
  }, 120_000);
});
