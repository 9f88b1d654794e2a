import type { Browser } from 'playwright-core';
import { launchBrowser } from './web/browser';
import { ensureWebBuilt, startLedger, type Ledger } from './web/harness';
import { startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider';

/**
 * 统一身份认证 through the real page in Chromium: the sign-in page offers 统一身份认证登录 (the server
 * said so), the button leads to the OpenID provider (oidc-provider in a child process), its login form
 * and back; the inspector lands on its home page with its name and role shown. An account with several
 * roles is offered the same 身份选择 as after a password sign-in. An identity naming no account is told so
 * in Chinese, still on the sign-in page.
 */
describe('web app: 统一身份认证登录', () => {
  let ledger: Ledger;
  let provider: TestOidcProvider;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuilt();
    provider = await startTestOidcProvider(
      { 'sub-insp': { preferred_username: 'ducha' }, 'sub-both': { preferred_username: 'liangjian' }, 'sub-none': { preferred_username: 'nobody.here' } },
      async (issuer) => {
        ledger = await startLedger({
          env: { LEDGER_OIDC_ISSUER: issuer, LEDGER_OIDC_CLIENT_ID: 'ledger', LEDGER_OIDC_CLIENT_SECRET: 'ledger-client-secret-0123456789' },
        });
        return `${ledger.url}/api/v1/auth/oidc/callback`;
      },
    );
    const admin = ledger.token({ sub: 'setup-admin', role: 'admin', name: '初始化' });
    const opened = (await ledger.post(admin, '/accounts', { id: 'acc-insp', login: 'ducha', name: '督查室账号', roles: ['inspector'] })) as unknown as {
      initialPassword: string;
    };
    // The holder has set a password of their own (else the page asks for the change first, as after any sign-in).
    const first = await fetch(`${ledger.url}/api/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login: 'ducha', password: opened.initialPassword }),
    });
    const { accessToken } = (await first.json()) as { accessToken: string };
    await ledger.post(accessToken, '/auth/password', { current: opened.initialPassword, next: 'Du-Cha-2026!' }).catch((e: Error) => {
      // 204 has no body: the helper's parse is not the point.
      if (!/→ 204/.test(e.message)) throw e;
    });
    // 组织部 and 督查室 both: the first listed is not the one this person will pick.
    await ledger.post(admin, '/accounts', { id: 'acc-both', login: 'liangjian', name: '梁兼', roles: ['org_dept', 'inspector'] });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
    await provider?.stop();
  });

  async function viaProvider(subject: string) {
    const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    await page.goto(`${ledger.url}/signin`);
    const button = page.locator('[data-test=signin-sso]');
    await expect(button.textContent()).resolves.toBe('统一身份认证登录');
    await button.click();
    await page.waitForURL((u) => u.origin === provider.issuer);
    await page.locator('#login').fill(subject);
    await page.locator('button[type=submit]').click();
    return { context, page };
  }

  it('the inspector signs in through the provider and lands on its home page', async () => {
    const { context, page } = await viaProvider('sub-insp');
    await page.waitForURL((u) => u.pathname === '/review');
    await expect(page.locator('[data-test=who]').textContent()).resolves.toContain('督查室账号');
    // Cookies are kept per host, not port: the provider's own are beside the ledger's.
    const ours = (await context.cookies()).filter((c) => c.name.startsWith('ledger_'));
    expect(ours.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite }))).toEqual([
      { name: 'ledger_refresh', httpOnly: true, sameSite: 'Strict' },
    ]);
    await context.close();
  });

  it('an account with two roles picks one after the provider, as after a password sign-in, and acts with it', async () => {
    const { context, page } = await viaProvider('sub-both');
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.locator('[data-test=role-picker]').waitFor();
    await expect(page.locator('[data-test=pick-role]').allTextContents()).resolves.toEqual(['县委组织部', '督查室']);
    await page.locator('[data-test=pick-role][data-role=inspector]').click();
    // The choice goes through the provider again (?role=), which may or may not ask for the login a second time.
    const asked = page.locator('#login');
    await Promise.race([asked.waitFor(), page.waitForURL((u) => u.origin === ledger.url && u.pathname === '/review')]);
    if (new URL(page.url()).origin === provider.issuer) {
      await asked.fill('sub-both');
      await page.locator('button[type=submit]').click();
    }
    await page.waitForURL((u) => u.pathname === '/review');
    await expect(page.locator('[data-test=who] [data-test=role]').textContent()).resolves.toBe('督查室');
    // The API agrees: the session's token acts as the inspector, and the first session (组织部) was ended.
    const sessions = (
      await ledger.get<{ entries: { action: string; role: string | null; detail: Record<string, unknown> | null }[] }>(
        ledger.token({ sub: 'audit-1', role: 'auditadmin', name: '审计' }),
        '/audit/access?actor=acc-both&pageSize=100',
      )
    ).entries;
    expect(sessions.filter((e) => e.action === 'sign-in').map((e) => e.role)).toEqual(['org_dept', 'inspector']);
    expect(sessions.filter((e) => e.action === 'session-end').map((e) => e.role)).toEqual(['org_dept']);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an identity naming no account is told so on the sign-in page', async () => {
    const { context, page } = await viaProvider('sub-none');
    await page.getByRole('alert').filter({ hasText: '在本系统没有可用账号' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/signin');
    expect((await context.cookies()).filter((c) => c.name.startsWith('ledger_'))).toEqual([]);
    await context.close();
  });
});
