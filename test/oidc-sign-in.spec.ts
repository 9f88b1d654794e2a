/**
 * Issue 16 point 5, 统一身份认证: single sign-on against a real OpenID provider (oidc-provider, in a child
 * process on 127.0.0.1), the app listening on 127.0.0.1 and a cookie-keeping "browser" following the
 * redirects with plain HTTP. A verified identity ends in the very session a password sign-in opens
 * (refresh, sign-out); a wrong audience, an expired ID token, a bad or missing state, a nonce of another
 * sign-in, an unknown, locked or closed account are each refused with their code, no session, and
 * nothing written but the access audit entry.
 */
import type { AddressInfo } from 'node:net';
import type { EventStore } from '@ledger/event-store';
import { CredentialsStore } from '@ledger/application';
import { EVENT_STORE } from '../apps/api/src/platform/tokens';
import { startTestApp } from '../apps/api/src/testing/harness';
import { startLedger, type Ledger } from './support/ledger';
import { startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider';

const A = '/api/v1';

/** A browser's cookies, per origin (paths ignored: harmless here), and redirects followed by hand. */
class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  async request(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const origin = new URL(url).origin;
    const cookies = [...(this.jar.get(origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      body: init.body,
      redirect: 'manual',
      headers: { ...(cookies ? { Cookie: cookies } : {}), ...init.headers },
    });
    const jar = this.jar.get(origin) ?? new Map<string, string>();
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (/;\s*max-age=0/i.test(c) || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
    this.jar.set(origin, jar);
    return res;
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name);
  }

  forget(origin: string, name: string): void {
    this.jar.get(origin)?.delete(name);
  }

  set(origin: string, name: string, value: string): void {
    const jar = this.jar.get(origin) ?? new Map<string, string>();
    jar.set(name, value);
    this.jar.set(origin, jar);
  }
}

function location(res: Response, base: string): string {
  const to = res.headers.get('location');
  if (!to) throw new Error(`expected a redirect, got ${res.status}`);
  return new URL(to, base).toString();
}

describe('统一身份认证: OpenID Connect sign-in against a real provider', () => {
  let ledger: Ledger;
  let provider: TestOidcProvider;
  let app: string;
  /** li.zuzhi's initial password, never changed: SSO-only. */
  let liInitial: string;

  beforeAll(async () => {
    provider = await startTestOidcProvider(
      {
        'sub-li': { preferred_username: 'Li.Zuzhi', name: '李组织' },
        'sub-wang': { preferred_username: 'wang.nobody', name: '王某' },
        'sub-zhao': { preferred_username: 'zhao.locked', name: '赵锁定' },
        'sub-qian': { preferred_username: 'qian.closed', name: '钱注销' },
        'sub-sun': { name: '孙无名' },
      },
      async (issuer) => {
        ledger = await startLedger({
          engine: 'sqlite',
          env: { LEDGER_OIDC_ISSUER: issuer, LEDGER_OIDC_CLIENT_ID: 'ledger', LEDGER_OIDC_CLIENT_SECRET: 'ledger-client-secret-0123456789' },
        });
        const server = ledger.app.getHttpServer();
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        app = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        return `${app}${A}/auth/oidc/callback`;
      },
    );
    const sys = ledger.as('sysadmin', undefined, { sub: 'sys-1' });
    const sec = ledger.as('secadmin', undefined, { sub: 'sec-1' });
    liInitial = (await sys.post('/accounts', { id: 'acc-li', login: 'li.zuzhi', name: '李组织', roles: ['org_dept', 'inspector'] }, 201)).body.initialPassword;
    await sys.post('/accounts', { id: 'acc-zhao', login: 'zhao.locked', name: '赵锁定', roles: ['inspector'] }, 201);
    await sys.post('/accounts', { id: 'acc-qian', login: 'qian.closed', name: '钱注销', roles: ['inspector'] }, 201);
    await sec.post('/accounts/acc-zhao/lock', { reason: '离岗' }, 200);
    await sec.post('/accounts/acc-qian/close', { reason: '调离' }, 200);
  }, 120_000);

  afterAll(async () => {
    await ledger?.close();
    await provider?.stop();
  });

  /** start, the provider's login as `subject` and its consent; answers the browser and the callback URL the provider sent it to. */
  async function atProvider(subject: string, browser = new Browser(), start = `${app}${A}/auth/oidc/start`): Promise<{ browser: Browser; callback: string }> {
    let res = await browser.request(start);
    expect(res.status).toBe(302);
    let url = location(res, app);
    expect(url.startsWith(`${provider.issuer}/auth?`)).toBe(true);
    const asked = new URL(url).searchParams;
    expect({
      state: asked.get('state'),
      nonce: asked.get('nonce'),
      method: asked.get('code_challenge_method'),
      challenge: asked.get('code_challenge'),
    }).toEqual({
      state: expect.stringMatching(/^[\w-]{43}$/),
      nonce: expect.stringMatching(/^[\w-]{43}$/),
      method: 'S256',
      challenge: expect.stringMatching(/^[\w-]{43}$/),
    });
    for (let hops = 0; hops < 12; hops++) {
      res = await browser.request(url);
      if (res.status === 200 && (await res.text()).includes(`action="${new URL(url).pathname}/login"`)) {
        res = await browser.request(`${url}/login`, {
          method: 'POST',
          body: `login=${subject}`,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        });
      }
      if (res.status < 300 || res.status >= 400) throw new Error(`the provider answered ${res.status}: ${await res.text()}`);
      url = location(res, url);
      if (url.startsWith(`${app}${A}/auth/oidc/callback`)) return { browser, callback: url };
    }
    throw new Error('the provider never sent the browser back');
  }

  const refresh = (browser: Browser) =>
    browser.request(`${app}${A}/auth/refresh`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json', 'X-Ledger-CSRF': '1' } });

  async function audit(action: string): Promise<Array<Record<string, unknown>>> {
    return (await ledger.as('auditadmin', undefined, { sub: 'audit-1' }).get(`/audit/access?action=${action}`, 200)).body.entries;
  }

  const head = async () => String(await ledger.app.get<EventStore>(EVENT_STORE).headPosition());
  const credentials = async () => JSON.stringify(await Promise.all(['acc-li', 'acc-zhao', 'acc-qian'].map((id) => ledger.app.get(CredentialsStore).get(id))));

  it('GET /auth/config tells the sign-in page to offer the button', async () => {
    const res = await fetch(`${app}${A}/auth/config`);
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { oidc: { enabled: true, label: '统一身份认证登录' } } });
  });

  it('a verified identity whose preferred_username names an open account signs in: the password sign-in session (refresh, then sign-out ends it)', async () => {
    const { browser, callback } = await atProvider('sub-li');
    const res = await browser.request(callback);
    // Two roles and none asked for: the sign-in page is told which, to offer the choice.
    expect({ status: res.status, location: res.headers.get('location') }).toEqual({ status: 303, location: '/signin?sso=ok&roles=org_dept,inspector' });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('ledger_refresh='))!;
    expect(set).toMatch(/^ledger_refresh=[\w-]{24}\.[\w-]{43}; Path=\/api\/v1\/auth; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    // The pending sign-in is over: its cookie is cleared.
    expect(browser.cookie(app, 'ledger_oidc')).toBeUndefined();

    const fresh = await refresh(browser);
    expect(fresh.status).toBe(200);
    const body = (await fresh.json()) as { accessToken: string; mustChangePassword: boolean };
    // The account's first role, as a password sign-in without `role` takes.
    const claims = JSON.parse(Buffer.from(body.accessToken.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    expect({ sub: claims.sub, role: claims.role, name: claims.name }).toEqual({ sub: 'acc-li', role: 'org_dept', name: '李组织' });
    // The initial password was never changed, but it was not used either: no forced change, the token acts.
    expect(body.mustChangePassword).toBe(false);
    expect(claims.mcp).toBeUndefined();
    const units = await fetch(`${app}${A}/units`, { headers: { Authorization: `Bearer ${body.accessToken}` } });
    expect(units.status).toBe(200);

    const out = await browser.request(`${app}${A}/auth/sign-out`, {
      method: 'POST',
      body: '{}',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${body.accessToken}` },
    });
    expect(out.status).toBe(204);
    expect((await refresh(browser)).status).toBe(401);

    const signIns = (await audit('sign-in')).filter((e) => (e.detail as { method?: string } | null)?.method === 'oidc');
    expect(signIns).toHaveLength(1);
    expect(signIns[0]).toMatchObject({
      actor: 'acc-li',
      role: 'org_dept',
      name: '李组织',
      outcome: 'ok',
      target: 'GET /api/v1/auth/oidc/callback',
      detail: { method: 'oidc', login: 'li.zuzhi', subject: 'sub-li', session: expect.any(String) },
    });
    expect(signIns[0].detail).not.toHaveProperty('mustChangePassword');
  });

  it('the forced change of the initial password is for password sign-ins: the same account signing in with it is made to change it', async () => {
    const pw = await ledger.http.post(`${A}/auth/sign-in`).send({ login: 'li.zuzhi', password: liInitial });
    expect({ status: pw.status, mustChangePassword: pw.body.mustChangePassword }).toEqual({ status: 200, mustChangePassword: true });
    const refused = await ledger.http.get(`${A}/units`).set('Authorization', `Bearer ${pw.body.accessToken}`);
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: 'PASSWORD_CHANGE_REQUIRED' });
    // Its refresh keeps the rule; a session through the provider opened after it still does not have it.
    const cookie = (pw.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('ledger_refresh='))!.split(';')[0];
    const again = await ledger.http.post(`${A}/auth/refresh`).set('Cookie', cookie).set('X-Ledger-CSRF', '1').send({});
    expect({ status: again.status, mustChangePassword: again.body.mustChangePassword }).toEqual({ status: 200, mustChangePassword: true });
    const { browser, callback } = await atProvider('sub-li');
    expect((await browser.request(callback)).headers.get('location')).toBe('/signin?sso=ok&roles=org_dept,inspector');
    expect(((await (await refresh(browser)).json()) as { mustChangePassword: boolean }).mustChangePassword).toBe(false);
  });

  it('?role= on start chooses another role the account holds', async () => {
    const { browser, callback } = await atProvider('sub-li', new Browser(), `${app}${A}/auth/oidc/start?role=inspector`);
    // The role was chosen: nothing left to offer.
    expect((await browser.request(callback)).headers.get('location')).toBe('/signin?sso=ok');
    const body = (await (await refresh(browser)).json()) as { accessToken: string };
    expect(JSON.parse(Buffer.from(body.accessToken.split('.')[1], 'base64url').toString()).role).toBe('inspector');
  });

  /** A refusal: the code in the redirect, no refresh cookie, no session, the head where it was; one sign-in-failed entry naming the reason. */
  async function refused(browser: Browser, callback: string, code: string, reason: RegExp): Promise<void> {
    const before = {
      head: await head(),
      credentials: await credentials(),
      failed: (await audit('sign-in-failed')).length,
      sessions: (await audit('sign-in')).length,
    };
    const res = await browser.request(callback);
    expect({ status: res.status, location: res.headers.get('location') }).toEqual({ status: 303, location: `/signin?ssoError=${code}` });
    expect(res.headers.getSetCookie().filter((c) => c.startsWith('ledger_refresh='))).toEqual([]);
    expect((await refresh(browser)).status).toBe(401);
    const failed = await audit('sign-in-failed');
    expect(failed).toHaveLength(before.failed + 1);
    expect(failed[failed.length - 1]).toMatchObject({
      outcome: 'refused',
      target: 'GET /api/v1/auth/oidc/callback',
      detail: { method: 'oidc', code, reason: expect.stringMatching(reason) },
    });
    expect({ head: await head(), credentials: await credentials(), sessions: (await audit('sign-in')).length }).toEqual({
      head: before.head,
      credentials: before.credentials,
      sessions: before.sessions,
    });
  }

  it('an ID token issued to another client (wrong audience) is refused', async () => {
    const { browser, callback } = await atProvider('sub-li');
    await provider.mode('wrong-audience');
    try {
      await refused(browser, callback, 'SSO_WRONG_AUDIENCE', /^aud mismatch, expected ledger, got: other-app$/);
    } finally {
      await provider.mode('normal');
    }
  });

  it('an expired ID token is refused', async () => {
    const { browser, callback } = await atProvider('sub-li');
    await provider.mode('expired');
    try {
      await refused(browser, callback, 'SSO_TOKEN_EXPIRED', /^JWT expired, now \d+, exp \d+$/);
    } finally {
      await provider.mode('normal');
    }
  });

  it('an ID token carrying the nonce of another sign-in is refused', async () => {
    const { browser, callback } = await atProvider('sub-li');
    await provider.mode('wrong-nonce');
    try {
      await refused(browser, callback, 'SSO_NONCE_MISMATCH', /^nonce mismatch, expected [\w-]+, got: a-nonce-of-another-sign-in$/);
    } finally {
      await provider.mode('normal');
    }
  });

  it('an identity naming no account, a locked or a closed one, or without the login claim is refused: no account is created', async () => {
    for (const [subject, code, reason] of [
      ['sub-wang', 'SSO_UNKNOWN_ACCOUNT', /wang\.nobody/],
      ['sub-qian', 'SSO_UNKNOWN_ACCOUNT', /qian\.closed/],
      ['sub-zhao', 'ACCOUNT_LOCKED', /锁定/],
      ['sub-sun', 'SSO_LOGIN_CLAIM_MISSING', /preferred_username/],
    ] as const) {
      const { browser, callback } = await atProvider(subject);
      await refused(browser, callback, code, reason);
    }
    const accounts = (await ledger.as('sysadmin', undefined, { sub: 'sys-1' }).get('/accounts', 200)).body as Array<{ login: string }>;
    expect(accounts.map((a) => a.login).sort()).toEqual(['li.zuzhi', 'qian.closed', 'zhao.locked']);
  });

  it("a callback without the pending cookie, with a forged one, or with another sign-in's state is refused", async () => {
    const missing = await atProvider('sub-li');
    missing.browser.forget(app, 'ledger_oidc');
    await refused(missing.browser, missing.callback, 'SSO_STATE_MISSING', /浏览器未带回/);

    const forged = await atProvider('sub-li');
    const [body, mac] = forged.browser.cookie(app, 'ledger_oidc')!.split('.');
    const edited = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    edited.role = 'inspector';
    forged.browser.set(app, 'ledger_oidc', `${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${mac}`);
    await refused(forged.browser, forged.callback, 'SSO_STATE_INVALID', /无效/);

    // The callback of one sign-in presented by a browser that started another.
    const first = await atProvider('sub-li');
    const second = await atProvider('sub-li');
    await refused(second.browser, first.callback, 'SSO_STATE_MISMATCH', /不符/);
    const noState = new URL(second.callback);
    noState.searchParams.delete('state');
    const third = await atProvider('sub-li');
    await refused(third.browser, noState.toString(), 'SSO_STATE_MISMATCH', /不符/);
  });

  it('a callback replayed with its pending cookie kept is refused by the provider (the code is single-use)', async () => {
    const { browser, callback } = await atProvider('sub-li');
    const pending = browser.cookie(app, 'ledger_oidc')!;
    expect((await browser.request(callback)).headers.get('location')).toBe('/signin?sso=ok&roles=org_dept,inspector');
    browser.set(app, 'ledger_oidc', pending);
    browser.forget(app, 'ledger_refresh');
    await refused(browser, callback, 'SSO_PROVIDER_REFUSED', /invalid_grant/);
  });

  it('a password lock-out (five wrong passwords) does not shut the holder out of 统一身份认证: the password was not used', async () => {
    for (let n = 0; n < 5; n++) await ledger.http.post(`${A}/auth/sign-in`).send({ login: 'li.zuzhi', password: `Wrong-Pass-${n}` });
    expect((await ledger.http.post(`${A}/auth/sign-in`).send({ login: 'li.zuzhi', password: 'Wrong-Pass-x' })).body.code).toBe('ACCOUNT_LOCKED');
    const { browser, callback } = await atProvider('sub-li');
    expect((await browser.request(callback)).headers.get('location')).toBe('/signin?sso=ok&roles=org_dept,inspector');
    expect((await refresh(browser)).status).toBe(200);
  });

  it('a pending sign-in older than 10 minutes (the app clock moved) is refused', async () => {
    const { browser, callback } = await atProvider('sub-li');
    ledger.clock.set(new Date(ledger.clock.now().getTime() + 11 * 60_000));
    await refused(browser, callback, 'SSO_STATE_EXPIRED', /10 分钟/);
  });

  it('start with a role that is no role is a 400; the button of a ledger whose provider is unreachable sends the page its reason', async () => {
    const bad = await new Browser().request(`${app}${A}/auth/oidc/start?role=root`);
    expect({ status: bad.status, code: ((await bad.json()) as { code: string }).code, cookies: bad.headers.getSetCookie() }).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      cookies: [],
    });

    // A port nothing listens on: the provider's discovery fails.
    const closed = await startTestApp({ env: { LEDGER_OIDC_ISSUER: 'http://127.0.0.1:9', LEDGER_OIDC_CLIENT_ID: 'ledger', LEDGER_OIDC_CLIENT_SECRET: 'x' } });
    try {
      const res = await closed.http.get(`${A}/auth/oidc/start`);
      expect({ status: res.status, location: res.headers.location, cookies: res.headers['set-cookie'] }).toEqual({
        status: 303,
        location: '/signin?ssoError=SSO_PROVIDER_UNAVAILABLE',
        cookies: undefined,
      });
    } finally {
      await closed.close();
    }
    // And one without single sign-on says so, to the page and to the sign-in page's question.
    const none = await startTestApp();
    try {
      expect((await none.http.get(`${A}/auth/config`).expect(200)).body).toEqual({ oidc: { enabled: false, label: null } });
      expect((await none.http.get(`${A}/auth/oidc/start`)).headers.location).toBe('/signin?ssoError=SSO_NOT_CONFIGURED');
      expect((await none.http.get(`${A}/auth/oidc/callback?code=x&state=y`)).headers.location).toBe('/signin?ssoError=SSO_NOT_CONFIGURED');
    } finally {
      await none.close();
    }
  });
});
