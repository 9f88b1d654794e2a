/**
 * Sign-in for people, through the real app (supertest, real SQLite, the injected
 * clock moved, never slept): the bootstrap administrator's forced password change and the policy,
 * lock-out after five failures and its end, the same answer for an unknown login, the idle timeout,
 * sign-out ending the session on the server, a lock or reset signing out everywhere, CSRF on the
 * cookie-authenticated requests, and each piece of bad input answered clearly, changing nothing.
 */
import { loadConfig } from '@ledger/platform';
import type { Response } from 'supertest';
import { bootstrapAdministrator } from '../apps/api/src/accounts/bootstrap';
import { CredentialsStore, SessionStore } from '@ledger/application';
import { accountMain } from '../apps/cli/src/accounts/account';
import { startTestApp, type TestApp } from '../apps/api/src/testing/harness';
import { startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { startLedger, type Ledger } from './support/ledger';

const A = '/api/v1';
const ADMIN_PASSWORD = 'Initial-Pass-2026';

function refreshCookie(res: Response): string {
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const c = set.find((s) => s.startsWith('ledger_refresh=') && !s.startsWith('ledger_refresh=;'));
  if (!c) throw new Error(`no refresh cookie in ${JSON.stringify(set)}`);
  return c.split(';')[0];
}

describe('sign-in for people (SQLite)', () => {
  let ledger: Ledger;
  const minutes = (n: number) => ledger.clock.set(new Date(ledger.clock.now().getTime() + n * 60_000));
  const signIn = (login: string, password: string, headers: Record<string, string> = {}) =>
    ledger.http.post(`${A}/auth/sign-in`).set(headers).send({ login, password });
  const refresh = (cookie: string, headers: Record<string, string> = { 'X-Ledger-CSRF': '1' }) =>
    ledger.http.post(`${A}/auth/refresh`).set('Cookie', cookie).set(headers).send({});
  const get = (token: string, route: string) => ledger.http.get(`${A}${route}`).set('Authorization', `Bearer ${token}`);
  const post = (token: string, route: string, body: object) => ledger.http.post(`${A}${route}`).set('Authorization', `Bearer ${token}`).send(body);
  const credentials = () => ledger.app.get(CredentialsStore);

  /** Signs in with a first password, changes it, and answers a session whose token acts fully. */
  async function firstSignIn(login: string, initial: string, next: string): Promise<{ token: string; cookie: string; id: string }> {
    const first = await signIn(login, initial).expect(200);
    expect(first.body.mustChangePassword).toBe(true);
    await post(first.body.accessToken, '/auth/password', { current: initial, next }).expect(204);
    const cookie = refreshCookie(first);
    const fresh = await refresh(cookie).expect(200);
    expect(fresh.body.mustChangePassword).toBe(false);
    return { token: fresh.body.accessToken, cookie, id: first.body.account.id };
  }

  beforeAll(async () => {
    ledger = await startLedger({ engine: 'sqlite' });
    expect(await bootstrapAdministrator(ledger.app, { login: 'admin', password: ADMIN_PASSWORD })).toMatch(/^bootstrap administrator: login admin/);
  }, 60_000);
  afterAll(() => ledger?.close());

  let sys: { token: string; cookie: string; id: string };
  let township: { initial: string; id: string; password: string };
  let inspector: { initial: string; id: string };

  it('the bootstrap administrator signs in, may only change the password, the policy names each rule broken, then works', async () => {
    const res = await signIn('ADMIN', ADMIN_PASSWORD).expect(200);
    expect(res.body).toEqual({
      accessToken: expect.any(String),
      expiresIn: 300,
      mustChangePassword: true,
      account: { id: 'bootstrap-sysadmin', login: 'admin', name: '系统管理员', roles: ['sysadmin'] },
    });
    const set = ([] as string[]).concat(res.headers['set-cookie']).find((s) => s.startsWith('ledger_refresh='))!;
    expect(set).toMatch(/; Path=\/api\/v1\/auth; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    const token = res.body.accessToken as string;
    // Until the password is changed the token does nothing else.
    expect((await get(token, '/accounts').expect(403)).body.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await post(token, '/units', { id: 'C', name: '县委', kind: 'county_committee' }).expect(403)).body.code).toBe('PASSWORD_CHANGE_REQUIRED');

    const breaks: Array<[string, string]> = [
      ['Ab1!xyz', 'PASSWORD_TOO_SHORT'],
      ['abcdefgh12', 'PASSWORD_TOO_FEW_CLASSES'],
      ['ABCDEFGH!!', 'PASSWORD_TOO_FEW_CLASSES'],
      [ADMIN_PASSWORD, 'PASSWORD_RECENTLY_USED'],
    ];
    for (const [next, code] of breaks) {
      const r = await post(token, '/auth/password', { current: ADMIN_PASSWORD, next }).expect(422);
      expect({ code: r.body.code, type: r.headers['content-type'] }).toEqual({ code, type: expect.stringMatching(/^application\/problem\+json/) });
    }
    expect((await post(token, '/auth/password', { current: 'Wrong-Pass-1', next: 'Another-Pass-1' }).expect(422)).body.code).toBe('CURRENT_PASSWORD_WRONG');
    // None of them changed it: the initial password still signs in.
    await signIn('admin', ADMIN_PASSWORD).expect(200);

    await post(token, '/auth/password', { current: ADMIN_PASSWORD, next: 'Sys-Admin-2026!' }).expect(204);
    // The old password no longer signs in; the new one does, without a forced change.
    expect((await signIn('admin', ADMIN_PASSWORD).expect(401)).body.code).toBe('INVALID_CREDENTIALS');
    const again = await signIn('admin', 'Sys-Admin-2026!').expect(200);
    expect(again.body.mustChangePassword).toBe(false);
    sys = { token: again.body.accessToken, cookie: refreshCookie(again), id: 'bootstrap-sysadmin' };
    await get(sys.token, '/accounts').expect(200);
  });

  it('a password like the login is refused (PASSWORD_IS_LOGIN); the last five are refused', async () => {
    const opened = await post(sys.token, '/accounts', { id: 'acc-org', login: 'Zuzhi2026', name: '组织部', roles: ['org_dept'] }).expect(201);
    const first = await signIn('zuzhi2026', opened.body.initialPassword).expect(200);
    expect((await post(first.body.accessToken, '/auth/password', { current: opened.body.initialPassword, next: 'zUZHI2026' }).expect(422)).body.code).toBe(
      'PASSWORD_IS_LOGIN',
    );
    let current = opened.body.initialPassword as string;
    const used: string[] = [current];
    let token = first.body.accessToken as string;
    for (let i = 1; i <= 5; i++) {
      const next = `Org-Pass-${i}x`;
      await post(token, '/auth/password', { current, next }).expect(204);
      used.push(next);
      current = next;
      token = (await signIn('zuzhi2026', current).expect(200)).body.accessToken;
    }
    // The last five (Org-Pass-1x .. 5x, the current one among them) are refused; the initial one, six back, is allowed again.
    for (const old of used.slice(1)) expect((await post(token, '/auth/password', { current, next: old }).expect(422)).body.code).toBe('PASSWORD_RECENTLY_USED');
    await post(token, '/auth/password', { current, next: used[0] }).expect(204);
  });

  it('opens a township user and an inspector; each signs in, is made to change the password, and acts with its role and unit', async () => {
    await post(sys.token, '/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }).expect(201);
    await post(sys.token, '/units', { id: 'T1', name: '城关镇党委', kind: 'township_committee', parentId: 'C' }).expect(201);
    const t = await post(sys.token, '/accounts', { id: 'acc-t1', login: 'chengguan', name: '城关镇', roles: ['unit'], unitId: 'T1' }).expect(201);
    const i = await post(sys.token, '/accounts', { id: 'acc-insp', login: 'ducha', name: '督查室', roles: ['inspector'] }).expect(201);
    township = { initial: t.body.initialPassword, id: 'acc-t1', password: 'Cheng-Guan-88' };
    inspector = { initial: i.body.initialPassword, id: 'acc-insp' };
    const ts = await firstSignIn('chengguan', township.initial, 'Cheng-Guan-88');
    const is = await firstSignIn('ducha', inspector.initial, 'Du-Cha-2026!');
    // The unit user's token is bound to its unit; it may not act as an administrator.
    expect((await get(ts.token, '/accounts').expect(403)).body.code).toBe('ROLE_FORBIDDEN');
    expect((await get(is.token, '/accounts').expect(403)).body.code).toBe('ROLE_FORBIDDEN');
    const units = await get(ts.token, `/units?minPosition=${ledger.position}`).expect(200);
    expect(units.body.map((u: { id: string }) => u.id).sort()).toEqual(['T1']);
    const all = await get(is.token, `/units?minPosition=${ledger.position}`).expect(200);
    expect(all.body.map((u: { id: string }) => u.id).sort()).toEqual(['C', 'T1']);
  });

  it('five failures lock the account for 15 minutes (the clock moved); an unknown login answers exactly the same', async () => {
    const before = await credentials().get(inspector.id);
    const wrong: Response[] = [];
    const unknown: Response[] = [];
    for (let n = 1; n <= 5; n++) {
      wrong.push(await signIn('ducha', `Wrong-${n}-pass`));
      unknown.push(await signIn('nobody.here', `Wrong-${n}-pass`));
    }
    const shape = (r: Response) => ({
      status: r.status,
      body: { ...r.body, detail: String(r.body.detail).replace(/锁定至 \S+/, '锁定至 T') },
      cookie: r.headers['set-cookie'],
    });
    expect(wrong.map(shape)).toEqual(unknown.map(shape));
    expect(wrong.map((r) => r.status)).toEqual([401, 401, 401, 401, 423]);
    expect(wrong[0].body).toEqual({
      type: expect.any(String),
      title: expect.any(String),
      status: 401,
      code: 'INVALID_CREDENTIALS',
      detail: '登录名或密码错误',
    });
    expect(wrong[4].body).toMatchObject({ code: 'ACCOUNT_LOCKED', lockedUntil: new Date(ledger.clock.now().getTime() + 15 * 60_000).toISOString() });
    expect(before?.failedAttempts).toBe(0);
    expect((await credentials().get(inspector.id))?.failedAttempts).toBe(5);
    // Locked: even the right password is refused, until 15 minutes have passed.
    await signIn('ducha', 'Du-Cha-2026!').expect(423);
    minutes(14);
    await signIn('ducha', 'Du-Cha-2026!').expect(423);
    minutes(1);
    const ok = await signIn('ducha', 'Du-Cha-2026!').expect(200);
    expect(ok.body.account.id).toBe(inspector.id);
    expect(await credentials().get(inspector.id)).toMatchObject({ failedAttempts: 0, lockedUntil: null });
    await signIn('nobody.here', 'whatever').expect(401);

    // Each of them is in the access audit trail, the lock with its end.
    const audit = ledger.as('auditadmin', undefined, { sub: 'audit-1' });
    const failed = (await audit.get('/audit/access?action=sign-in-failed&pageSize=100', 200)).body.entries as Array<{
      actor: string | null;
      status: number;
      detail: Record<string, unknown>;
    }>;
    const mine = failed.filter((e) => e.actor === inspector.id);
    expect(mine.map((e) => e.status)).toEqual([401, 401, 401, 401, 423, 423, 423]);
    expect(mine[4].detail).toMatchObject({ login: 'ducha', failures: 5, lockedUntil: expect.any(String), code: 'ACCOUNT_LOCKED' });
    expect(failed.filter((e) => e.actor === null && e.detail.login === 'nobody.here')).toHaveLength(6);
    const signedIn = (await audit.get('/audit/access?action=sign-in&pageSize=100', 200)).body.entries as Array<{
      actor: string;
      role: string;
      outcome: string;
    }>;
    expect(signedIn.filter((e) => e.actor === inspector.id).map((e) => [e.role, e.outcome])).toEqual([
      ['inspector', 'ok'],
      ['inspector', 'ok'],
    ]);
  });

  it('the idle timeout (30 minutes without a request) ends the session; use keeps it alive; the absolute lifetime ends it anyway', async () => {
    const s = await signIn('chengguan', 'Cheng-Guan-88').expect(200);
    const cookie = refreshCookie(s);
    minutes(29);
    const r1 = await refresh(cookie).expect(200);
    minutes(4);
    await get(r1.body.accessToken, '/units').expect(200);
    minutes(29);
    await refresh(cookie).expect(200);
    minutes(30);
    const idle = await refresh(cookie).expect(401);
    expect(idle.body.code).toBe('UNAUTHENTICATED');
    expect(idle.body.detail).toMatch(/idle/);
    // Ended on the server: it stays ended.
    await refresh(cookie).expect(401);

    // An access token never outlives the idle timeout (LEDGER_ACCESS_TOKEN_MINUTES ≤ LEDGER_SESSION_IDLE_MINUTES): it expires first.
    const t = await signIn('chengguan', 'Cheng-Guan-88').expect(200);
    minutes(5);
    expect((await get(t.body.accessToken, '/units').expect(401)).body.detail).toMatch(/jwt expired/);
    await refresh(refreshCookie(t)).expect(200);

    // Used every 20 minutes it still ends 12 hours after sign-in.
    const long = await signIn('chengguan', 'Cheng-Guan-88').expect(200);
    const longCookie = refreshCookie(long);
    for (let m = 20; m < 12 * 60; m += 20) {
      minutes(20);
      await refresh(longCookie).expect(200);
    }
    minutes(20);
    expect((await refresh(longCookie).expect(401)).body.detail).toMatch(/expired/);
    // A week past its end a session's row is deleted at the next sign-in (hourly at most).
    const sessions = ledger.app.get(SessionStore);
    const longId = longCookie.slice('ledger_refresh='.length).split('.')[0];
    expect(await sessions.get(longId)).not.toBeNull();
    minutes(7 * 24 * 60 + 61);
    await signIn('chengguan', 'Cheng-Guan-88').expect(200);
    expect(await sessions.get(longId)).toBeNull();
  });

  it('sign-out ends the session on the server: a refresh after it is refused, and its access token at once', async () => {
    const s = await signIn('chengguan', 'Cheng-Guan-88').expect(200);
    const cookie = refreshCookie(s);
    const token = s.body.accessToken as string;
    await get(token, '/units').expect(200);
    const out = await post(token, '/auth/sign-out', {}).expect(204);
    expect(([] as string[]).concat(out.headers['set-cookie'])).toContainEqual(
      expect.stringMatching(/^ledger_refresh=; Path=\/api\/v1\/auth; Max-Age=0; HttpOnly; SameSite=Strict/),
    );
    await refresh(cookie).expect(401);
    expect((await get(token, '/units').expect(401)).body.code).toBe('UNAUTHENTICATED');

    // Signing out by the cookie alone (a closed tab's token is gone) needs the CSRF header too.
    const c = await signIn('chengguan', 'Cheng-Guan-88').expect(200);
    const cookie2 = refreshCookie(c);
    expect((await ledger.http.post(`${A}/auth/sign-out`).set('Cookie', cookie2).send({}).expect(403)).body.code).toBe('CSRF_REFUSED');
    await refresh(cookie2).expect(200);
    await ledger.http.post(`${A}/auth/sign-out`).set('Cookie', cookie2).set('X-Ledger-CSRF', '1').send({}).expect(204);
    await refresh(cookie2).expect(401);
    const ends = (await ledger.as('auditadmin', undefined, { sub: 'audit-1' }).get('/audit/access?action=session-end&pageSize=100', 200)).body
      .entries as Array<{ actor: string; detail: { reason?: string } }>;
    expect(ends.filter((e) => e.actor === township.id).map((e) => e.detail.reason)).toEqual(['idle', 'expired', 'sign-out', 'sign-out']);
  });

  it('a lock or a password reset by the security administrator signs the account out everywhere', async () => {
    const sec = ledger.as('secadmin', undefined, { sub: 'sec-1' });
    const a = await signIn('ducha', 'Du-Cha-2026!').expect(200);
    const b = await signIn('ducha', 'Du-Cha-2026!').expect(200);
    await get(a.body.accessToken, '/units').expect(200);
    await sec.post(`/accounts/${inspector.id}/lock`, { reason: '离岗' }, 200);
    for (const s of [a, b]) {
      await get(s.body.accessToken, '/units').expect(401);
      await refresh(refreshCookie(s)).expect(401);
    }
    // The holder, with the right password, is told of the lock; a wrong password is an ordinary failure.
    expect((await signIn('ducha', 'Du-Cha-2026!').expect(423)).body.code).toBe('ACCOUNT_LOCKED');
    await sec.post(`/accounts/${inspector.id}/unlock`, {}, 200);
    const c = await signIn('ducha', 'Du-Cha-2026!').expect(200);
    const reset = await sec.post(`/accounts/${inspector.id}/reset-password`, {}, 200);
    await get(c.body.accessToken, '/units').expect(401);
    await refresh(refreshCookie(c)).expect(401);
    await signIn('ducha', 'Du-Cha-2026!').expect(401);
    const d = await signIn('ducha', reset.body.initialPassword).expect(200);
    expect(d.body.mustChangePassword).toBe(true);
  });

  it('a reset from the command line (ledger account reset-password) ends the sessions too', async () => {
    const d = await signIn('chengguan', 'Cheng-Guan-88').expect(200);
    const out: string[] = [];
    const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t), progress: null, clock: ledger.clock };
    expect(await accountMain(ledger.config, ['reset-password', 'chengguan', '--reason', '测试'], io)).toBe(0);
    const { initialPassword } = JSON.parse(out.join('')) as { initialPassword: string };
    expect((await refresh(refreshCookie(d)).expect(401)).body.detail).toMatch(/password-reset/);
    await signIn('chengguan', 'Cheng-Guan-88').expect(401);
    const e = await signIn('chengguan', initialPassword).expect(200);
    expect(e.body.mustChangePassword).toBe(true);
    await post(e.body.accessToken, '/auth/password', { current: initialPassword, next: 'Cheng-Guan-99' }).expect(204);
    township.password = 'Cheng-Guan-99';
  });

  it('CSRF: a forged cross-site refresh is refused and changes nothing', async () => {
    const s = await signIn('chengguan', township.password).expect(200);
    const cookie = refreshCookie(s);
    const forged: Array<Record<string, string>> = [
      {},
      { 'Sec-Fetch-Site': 'cross-site', 'X-Ledger-CSRF': '1' },
      { Origin: 'https://evil.example', 'X-Ledger-CSRF': '1' },
      { Origin: 'null', 'X-Ledger-CSRF': '1' },
      { 'X-Ledger-CSRF': 'yes' },
    ];
    for (const headers of forged) {
      const r = await refresh(cookie, headers).expect(403);
      expect(r.body.code).toBe('CSRF_REFUSED');
      expect(r.headers['set-cookie']).toBeUndefined();
    }
    // A cross-site sign-in (login CSRF) is refused too, before any password is checked.
    expect((await signIn('chengguan', township.password, { Origin: 'https://evil.example' }).expect(403)).body.code).toBe('CSRF_REFUSED');
    // The session is as it was: the same-origin refresh works.
    await refresh(cookie, { 'X-Ledger-CSRF': '1', 'Sec-Fetch-Site': 'same-origin' }).expect(200);
  });

  it('bad input: a malformed cookie, a tampered token, a bad body each get a clear error and change nothing', async () => {
    const s = await signIn('chengguan', township.password).expect(200);
    const token = s.body.accessToken as string;
    const [h, p, sig] = token.split('.');
    const before = await credentials().get(township.id);
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = [
      `${h}.${p}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`,
      `${h}.${Buffer.from(JSON.stringify({ ...payload, role: 'org_dept' })).toString('base64url')}.${sig}`,
      `${h}.${Buffer.from(JSON.stringify({ ...payload, mcp: false, sid: 'x'.repeat(24) })).toString('base64url')}.${sig}`,
    ];
    for (const t of tampered) {
      const r = await get(t, '/units').expect(401);
      expect(r.body).toMatchObject({ code: 'UNAUTHENTICATED', detail: expect.stringMatching(/invalid signature/) });
    }
    for (const cookie of [
      'ledger_refresh=garbage',
      'ledger_refresh=',
      `ledger_refresh=${'A'.repeat(24)}.${'B'.repeat(43)}`,
      `${refreshCookie(s)}; ${refreshCookie(s)}`,
    ]) {
      const r = await refresh(cookie).expect(401);
      expect(r.body.code).toBe('UNAUTHENTICATED');
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    for (const body of [
      {},
      { login: 'chengguan' },
      { login: 7, password: 'x' },
      { login: 'chengguan', password: township.password, extra: 1 },
      { login: 'chengguan', password: township.password, role: 'admin' },
    ]) {
      const r = await ledger.http.post(`${A}/auth/sign-in`).send(body).expect(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
    }
    expect(
      (await ledger.http.post(`${A}/auth/sign-in`).send({ login: 'chengguan', password: township.password, role: 'inspector' }).expect(403)).body.code,
    ).toBe('ROLE_NOT_HELD');
    // Nothing counted as a failed attempt, and the session still works.
    expect(await credentials().get(township.id)).toEqual(before);
    await refresh(refreshCookie(s)).expect(200);
    // A ledger token (scripts) keeps working beside sessions, and cannot change a password it has none of.
    const script = ledger.as('org_dept', undefined, { sub: 'script-1' });
    await script.get('/units', 200);
    expect((await script.post('/auth/password', { current: 'a', next: 'Bcdefgh-1' }, 403)).body.code).toBe('NOT_AN_ACCOUNT');
    // An Idempotency-Key on the auth routes is ignored (it was a 500 on sign-in: no actor to scope it by): no token is kept to replay.
    const keyed = () =>
      ledger.http.post(`${A}/auth/sign-in`).set('Idempotency-Key', 'same-key').send({ login: 'chengguan', password: township.password }).expect(200);
    const [k1, k2] = [await keyed(), await keyed()];
    expect(k2.headers['idempotent-replayed']).toBeUndefined();
    expect(k1.body.accessToken).not.toBe(k2.body.accessToken);
    await post(k1.body.accessToken, '/auth/password', { current: township.password, next: township.password }).set('Idempotency-Key', 'k').expect(422);
    await post(k1.body.accessToken, '/auth/password', { current: township.password, next: 'Cheng-Guan-77' }).set('Idempotency-Key', 'pw-key').expect(204);
    await post(k1.body.accessToken, '/auth/password', { current: 'Cheng-Guan-77', next: township.password }).expect(422);
    await post(k1.body.accessToken, '/auth/password', { current: 'Cheng-Guan-77', next: 'Cheng-Guan-66' }).expect(204);
    township.password = 'Cheng-Guan-66';
  });

  it('an address with too many failures in a minute is answered 429 until the minute has passed', async () => {
    // The earlier tests' failures are more than a minute old by now.
    minutes(2);
    const statuses: number[] = [];
    for (let n = 0; n < 21; n++) statuses.push((await signIn(`ghost${n}`, 'Wrong-pass-1')).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    const limited = await signIn('chengguan', township.password).expect(429);
    expect(limited.body.code).toBe('TOO_MANY_SIGN_IN_FAILURES');
    expect(Number(limited.headers['retry-after'])).toBe(60);
    minutes(1);
    await signIn('chengguan', township.password).expect(200);
  });
});

describe('sign-in configuration', () => {
  it('defaults per 等保 practice, and each bad value is named by its variable', () => {
    expect(loadConfig({}).signIn).toEqual({
      passwordMinLength: 8,
      passwordClasses: 3,
      passwordMaxAgeDays: 0,
      lockAttempts: 5,
      lockMinutes: 15,
      addressLimitPerMinute: 20,
      sessionIdleMinutes: 30,
      sessionMaxHours: 12,
      accessTokenMinutes: 5,
      cookieSecure: 'auto',
    });
    const bad: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ LEDGER_PASSWORD_MIN_LENGTH: '6' }, /LEDGER_PASSWORD_MIN_LENGTH=6: expected a whole number from 8 to 128/],
      [{ LEDGER_PASSWORD_CLASSES: '5' }, /LEDGER_PASSWORD_CLASSES=5/],
      [{ LEDGER_SESSION_IDLE_MINUTES: 'half an hour' }, /LEDGER_SESSION_IDLE_MINUTES=half an hour/],
      [{ LEDGER_SESSION_IDLE_MINUTES: '3' }, /LEDGER_ACCESS_TOKEN_MINUTES=5: at most LEDGER_SESSION_IDLE_MINUTES \(3\)/],
      [{ LEDGER_COOKIE_SECURE: 'maybe' }, /LEDGER_COOKIE_SECURE=maybe: expected auto, on or off/],
      [{ LEDGER_PASSWORD_MAX_AGE_DAYS: '-1' }, /LEDGER_PASSWORD_MAX_AGE_DAYS=-1/],
    ];
    for (const [env, message] of bad) expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('sign-in: the optional maximum age of a password (LEDGER_PASSWORD_MAX_AGE_DAYS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LEDGER_PASSWORD_MAX_AGE_DAYS: '90', LEDGER_DEADLINE_WORKER: 'off' } });
    await bootstrapAdministrator(t.app, { login: 'admin', password: 'Initial-Pass-2026' });
  }, 60_000);
  afterAll(() => t?.close());

  it('a password 90 days old must be changed at sign-in; younger, it need not', async () => {
    const first = await t.http.post(`${A}/auth/sign-in`).send({ login: 'admin', password: 'Initial-Pass-2026' }).expect(200);
    await t.http
      .post(`${A}/auth/password`)
      .set('Authorization', `Bearer ${first.body.accessToken}`)
      .send({ current: 'Initial-Pass-2026', next: 'Sys-Admin-2026!' })
      .expect(204);
    const signIn = () => t.http.post(`${A}/auth/sign-in`).send({ login: 'admin', password: 'Sys-Admin-2026!' }).expect(200);
    t.clock.advanceDays(89);
    expect((await signIn()).body.mustChangePassword).toBe(false);
    t.clock.advanceDays(1);
    const old = await signIn();
    expect(old.body.mustChangePassword).toBe(true);
    expect((await t.http.get(`${A}/units`).set('Authorization', `Bearer ${old.body.accessToken}`).expect(403)).body.code).toBe('PASSWORD_CHANGE_REQUIRED');
    await t.http
      .post(`${A}/auth/password`)
      .set('Authorization', `Bearer ${old.body.accessToken}`)
      .send({ current: 'Sys-Admin-2026!', next: 'Sys-Admin-2027!' })
      .expect(204);
    const renewed = await t.http.post(`${A}/auth/sign-in`).send({ login: 'admin', password: 'Sys-Admin-2027!' }).expect(200);
    expect(renewed.body.mustChangePassword).toBe(false);
  });
});

describe('sign-in on PostgreSQL (the sessions and credentials in LEDGER_READ_DB_URL)', () => {
  let server: TestPostgres;
  let pg: Ledger;
  beforeAll(async () => {
    server = await startTestPostgres();
    pg = await startLedger({ engine: 'postgres', postgres: server });
    await bootstrapAdministrator(pg.app, { login: 'admin', password: 'Initial-Pass-2026' });
  }, 120_000);
  afterAll(async () => {
    await pg?.close();
    await server?.stop();
  });

  it('signs in, changes the password, refreshes, signs out; five failures lock out until the clock passes 15 minutes', async () => {
    const signIn = (password: string) => pg.http.post(`${A}/auth/sign-in`).send({ login: 'admin', password });
    const first = await signIn('Initial-Pass-2026').expect(200);
    await pg.http
      .post(`${A}/auth/password`)
      .set('Authorization', `Bearer ${first.body.accessToken}`)
      .send({ current: 'Initial-Pass-2026', next: 'Sys-Admin-2026!' })
      .expect(204);
    const cookie = refreshCookie(first);
    const fresh = await pg.http.post(`${A}/auth/refresh`).set('Cookie', cookie).set('X-Ledger-CSRF', '1').send({}).expect(200);
    expect(fresh.body.mustChangePassword).toBe(false);
    await pg.http.get(`${A}/accounts`).set('Authorization', `Bearer ${fresh.body.accessToken}`).expect(200);
    await pg.http.post(`${A}/auth/sign-out`).set('Authorization', `Bearer ${fresh.body.accessToken}`).send({}).expect(204);
    await pg.http.post(`${A}/auth/refresh`).set('Cookie', cookie).set('X-Ledger-CSRF', '1').send({}).expect(401);
    await pg.http.get(`${A}/accounts`).set('Authorization', `Bearer ${fresh.body.accessToken}`).expect(401);
    expect((await Promise.all([1, 2, 3, 4].map(() => signIn('Wrong-Pass-1')))).map((r) => r.status)).toEqual([401, 401, 401, 401]);
    await signIn('Wrong-Pass-1').expect(423);
    await signIn('Sys-Admin-2026!').expect(423);
    pg.clock.set(new Date(pg.clock.now().getTime() + 15 * 60_000));
    await signIn('Sys-Admin-2026!').expect(200);
  });
});
