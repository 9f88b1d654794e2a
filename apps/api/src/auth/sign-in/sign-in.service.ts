import * as crypto from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { AccountRole } from '@ledger/contracts/events';
import { accountDecider, accountLoginDecider, accountLoginStream, accountStream, normalLogin, type AccountState } from '@ledger/domain';
import { signAccessToken, type Clock, type LedgerConfig, type SignInConfig } from '@ledger/platform';
import {
  CommandLoop,
  type CommandMeta,
  type CredentialRecord,
  CredentialsStore,
  handleCommand,
  hashPassword,
  type SessionEnd,
  type SessionRecord,
  SessionStore,
  sha256,
  type SignInMethod,
  verifyPassword,
} from '@ledger/application';
import type { AccessAuditNote } from '../../access-audit/access-audit.middleware';
import { answer } from '../../problem-details/command-outcome';
import { CLOCK, JWT_SECRET, LEDGER_CONFIG } from '../../platform/tokens';
import { ApiProblem } from '../../problem-details/errors';
import { UnauthenticatedError } from '../auth.errors';
import { passwordBreach, policyInWords } from './password-policy';

export interface SignedIn {
  accessToken: string;
  expiresIn: number;
  mustChangePassword: boolean;
  account: { id: string; login: string; name: string; roles: AccountRole[]; unitId?: string };
  /** The refresh cookie's value: `<session id>.<secret>`. */
  refresh: string;
  /** Seconds the cookie may live: the session's absolute lifetime. */
  refreshMaxAge: number;
}

type Note = (note: AccessAuditNote) => void;
type Live = AccountState & { status: 'active' | 'locked' | 'closed' };

/** One answer for an unknown login and a wrong password: nothing tells which it was. */
const invalid = () => new ApiProblem(401, 'INVALID_CREDENTIALS', '登录名或密码错误');
const COOKIE = /^([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{43})$/;
/** Failures of logins that name no account, kept in memory so that they lock out as a real one does. */
const MAX_PHANTOMS = 10_000;
/** A session's last use is written at most this often (the idle timeout is minutes). */
const TOUCH_MS = 60_000;
/** How long an API instance trusts its copy of a session row it did not end itself. */
const CACHE_MS = 5_000;

/**
 * Sign-in for people (issue 16): password sign-in with lock-out and per-address slow-down, server-side
 * sessions (a short access token naming its session, a refresh cookie), the idle and absolute
 * timeouts, sign-out, and the password change with its policy. The administrator's lock is a ledger
 * event (AccountLocked); a lock-out after failed sign-ins is a security mechanism kept in the
 * credentials table (it ends by itself, and the ledger need not hold every mistyped password).
 */
@Injectable()
export class SignInService implements OnApplicationShutdown {
  private readonly policy: SignInConfig;
  private readonly addressFailures = new Map<string, number[]>();
  private readonly phantoms = new Map<string, { failures: number; lockedUntil: number }>();
  private readonly cache = new Map<string, { record: SessionRecord; fetched: number }>();
  private dummy: Promise<string> | null = null;
  private pruned = 0;

  constructor(
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(JWT_SECRET) private readonly secret: string,
    private readonly path: CommandLoop,
    @Inject(CredentialsStore) private readonly credentials: CredentialsStore,
    @Inject(SessionStore) private readonly sessions: SessionStore,
  ) {
    this.policy = config.signIn;
  }

  policyText(): string {
    return policyInWords(this.policy);
  }

  async signIn(body: { login: string; password: string; role?: string }, address: string | null, note: Note): Promise<SignedIn> {
    const now = this.clock.now();
    this.throttle(address, now);
    const login = normalLogin(body.login);
    note({ detail: { login } });
    const account = await this.lookup(login);
    const credential = account ? await this.credentials.get(account.accountId) : null;
    if (!account || !credential) {
      // The same scrypt work as a real check: the time taken tells nothing either.
      await verifyPassword(body.password, await this.dummyHash());
      throw this.phantomFailure(login, address, now);
    }
    note({ actor: account.accountId, name: account.name });
    if (credential.lockedUntil !== null) {
      if (Date.parse(credential.lockedUntil) > now.getTime()) {
        await verifyPassword(body.password, await this.dummyHash());
        this.countAddress(address, now);
        throw this.locked(credential.lockedUntil);
      }
      // The lock-out is over: the count starts again.
      await this.credentials.setLockedUntil(account.accountId, null, now.toISOString());
      credential.failedAttempts = 0;
    }
    if (!(await verifyPassword(body.password, credential.hash))) {
      this.countAddress(address, now);
      const failures = await this.credentials.recordFailure(account.accountId, now.toISOString());
      if (failures >= this.policy.lockAttempts) {
        const until = new Date(now.getTime() + this.policy.lockMinutes * 60_000).toISOString();
        await this.credentials.setLockedUntil(account.accountId, until, now.toISOString());
        note({ detail: { login, failures, lockedUntil: until } });
        throw this.locked(until);
      }
      throw invalid();
    }
    if (account.status === 'closed') throw invalid();
    // The holder (the password was right) is told of an administrator's lock; anyone else is not.
    if (account.status === 'locked') throw new ApiProblem(423, 'ACCOUNT_LOCKED', '账号已被管理员锁定，请联系安全管理员');
    if (credential.failedAttempts > 0) await this.credentials.setLockedUntil(account.accountId, null, now.toISOString());
    return this.openSession(account, credential, login, body.role, now, note, {}, 'password');
  }

  /**
   * 统一身份认证 (issue 16 point 5): the provider has vouched for `login`; it must name an existing,
   * open account (never created here). The password lock-out does not stop it (the password was not
   * used, and a stranger's wrong guesses must not shut the holder out); an administrator's lock does.
   * The session opened is the one a password sign-in opens, but for the forced password change: the
   * password was not used, and an account used only through the provider may never have set one.
   */
  async signInVouched(login: string, role: string | undefined, note: Note, detail: Record<string, unknown>): Promise<SignedIn> {
    const now = this.clock.now();
    const normal = normalLogin(login);
    note({ detail: { login: normal, ...detail } });
    const account = await this.lookup(normal);
    const credential = account ? await this.credentials.get(account.accountId) : null;
    if (!account || !credential || account.status === 'closed') {
      throw new ApiProblem(403, 'SSO_UNKNOWN_ACCOUNT', `统一身份认证的用户 ${normal} 在本系统没有可用账号，请联系安全管理员开通`, { login: normal });
    }
    note({ actor: account.accountId, name: account.name });
    if (account.status === 'locked') throw new ApiProblem(423, 'ACCOUNT_LOCKED', '账号已被管理员锁定，请联系安全管理员');
    return this.openSession(account, credential, normal, role, now, note, detail, 'oidc');
  }

  /** The session, its access token and refresh cookie: one path for every way of signing in. */
  private async openSession(
    account: Live,
    credential: CredentialRecord,
    login: string,
    wanted: string | undefined,
    now: Date,
    note: Note,
    detail: Record<string, unknown>,
    method: SignInMethod,
  ): Promise<SignedIn> {
    const role = this.roleFor(account, wanted);
    const mustChangePassword = await this.mustChange(method, credential, account.accountId, now);
    await this.pruneSessions(now);
    const id = crypto.randomBytes(18).toString('base64url');
    const secret = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.policy.sessionMaxHours * 3_600_000);
    await this.sessions.create({
      id,
      accountId: account.accountId,
      role,
      method,
      secretHash: sha256(secret),
      credential: sha256(credential.hash),
      createdAt: now.toISOString(),
      lastUsedAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
    });
    note({
      actor: account.accountId,
      role,
      name: account.name,
      detail: { login, ...detail, session: id, ...(mustChangePassword ? { mustChangePassword } : {}) },
    });
    return {
      ...this.accessToken(account, role, id, mustChangePassword, now),
      mustChangePassword,
      account: { id: account.accountId, login: account.login, name: account.name, roles: account.roles, ...(account.unitId ? { unitId: account.unitId } : {}) },
      refresh: `${id}.${secret}`,
      refreshMaxAge: this.policy.sessionMaxHours * 3600,
    };
  }

  /** A new access token for the session the cookie names; the session's end is answered 401. */
  async refresh(cookie: string | undefined, note: Note): Promise<{ accessToken: string; expiresIn: number; mustChangePassword: boolean }> {
    const now = this.clock.now();
    const session = await this.sessionOfCookie(cookie);
    note({ actor: session.accountId, role: session.role, detail: { session: session.id } });
    await this.liveOrEnd(session, now, note);
    const account = await this.byId(session.accountId);
    const credential = await this.credentials.get(session.accountId);
    const ended: SessionEnd | null =
      !account || account.status === 'closed'
        ? 'closed'
        : account.status === 'locked'
          ? 'locked'
          : !credential || sha256(credential.hash) !== session.credential
            ? 'password-reset'
            : null;
    if (ended || !account || !credential) {
      await this.endSession(session.id, now, ended ?? 'closed');
      note({ action: 'session-end', detail: { session: session.id, reason: ended } });
      throw new UnauthenticatedError(`the session has ended (${ended})`);
    }
    await this.sessions.touch(session.id, now.toISOString());
    this.cache.delete(session.id);
    const role = account.roles.includes(session.role as AccountRole) ? session.role : this.roleFor(account, undefined);
    const mustChangePassword = await this.mustChange(session.method, credential, account.accountId, now);
    note({ name: account.name, role });
    return { ...this.accessToken(account, role, session.id, mustChangePassword, now), mustChangePassword };
  }

  /** Ends the session named by the access token or else the cookie. */
  async signOut(sessionId: string | null, cookie: string | undefined, note: Note, beforeEnding?: () => Promise<void>): Promise<void> {
    const now = this.clock.now();
    const id = sessionId ?? (await this.sessionOfCookie(cookie)).id;
    const record = await this.sessions.get(id);
    if (record) note({ actor: record.accountId, role: record.role, detail: { session: id, reason: 'sign-out' } });
    // In the trail before the session ends: a sign-out the trail cannot record leaves it open (503).
    await beforeEnding?.();
    await this.endSession(id, now, 'sign-out');
  }

  /** The holder changes the password: checked against the policy, then recorded (event) and set; the other sessions end. */
  async changePassword(sessionId: string | null, body: { current: string; next: string }, meta: CommandMeta): Promise<void> {
    const accountId = meta.actor.userId;
    const account = await this.byId(accountId);
    const credential = account ? await this.credentials.get(accountId) : null;
    if (!account || !credential) throw new ApiProblem(403, 'NOT_AN_ACCOUNT', '只有账号本人可以修改密码（脚本令牌没有密码）');
    if (!(await verifyPassword(body.current, credential.hash))) throw new ApiProblem(422, 'CURRENT_PASSWORD_WRONG', '当前密码不正确');
    const breach = passwordBreach(body.next, account.login, this.policy);
    if (breach) throw new ApiProblem(422, breach.code, breach.message, { policy: this.policyText() });
    if (body.next === body.current || (await this.credentials.usedRecently(accountId, body.next))) {
      throw new ApiProblem(422, 'PASSWORD_RECENTLY_USED', '不得使用最近 5 次用过的密码', { policy: this.policyText() });
    }
    answer(
      await handleCommand(
        this.path,
        {
          name: 'ChangeOwnPassword',
          stream: accountStream(accountId),
          decider: accountDecider,
          mode: 'existing',
          id: accountId,
          notFound: { code: 'ACCOUNT_NOT_FOUND', message: '账号不存在' },
          build: (_, context) => ({ type: 'ChangeOwnPassword' as const, context, data: { accountId } }),
        },
        meta,
      ),
    );
    const now = this.clock.now();
    await this.credentials.setPassword(accountId, body.next, { mustChange: false, now: now.toISOString() });
    const changed = await this.credentials.get(accountId);
    for (const id of await this.sessions.endAll(accountId, now.toISOString(), 'password-changed', sessionId ?? undefined)) this.cache.delete(id);
    if (sessionId && changed) await this.sessions.setCredential(sessionId, sha256(changed.hash));
    if (sessionId) this.cache.delete(sessionId);
  }

  /** 退出所有会话: a lock, reset or close by an administrator. */
  async endAllSessions(accountId: string, reason: SessionEnd): Promise<void> {
    for (const id of await this.sessions.endAll(accountId, this.clock.now().toISOString(), reason)) this.cache.delete(id);
  }

  /**
   * The guard's check of a session token's session, on each request: ended, idle or past its
   * absolute end is 401. Rows are cached briefly; a negative answer is checked against the table.
   */
  async checkSession(sessionId: string, note?: Note): Promise<void> {
    const now = this.clock.now();
    let cached = this.cache.get(sessionId);
    if (!cached || Date.now() - cached.fetched > CACHE_MS) cached = await this.fetch(sessionId);
    let problem = cached ? this.deadness(cached.record, now) : 'unknown';
    if (problem && cached && Date.now() - cached.fetched > 0) {
      cached = await this.fetch(sessionId);
      problem = cached ? this.deadness(cached.record, now) : 'unknown';
    }
    if (problem || !cached) {
      if (cached && !cached.record.endedAt && (problem === 'idle' || problem === 'expired')) {
        await this.endSession(sessionId, now, problem);
        note?.({ action: 'session-end', actor: cached.record.accountId, role: cached.record.role, detail: { session: sessionId, reason: problem } });
      }
      throw new UnauthenticatedError(`the session has ended (${problem})`);
    }
    if (now.getTime() - Date.parse(cached.record.lastUsedAt) >= TOUCH_MS) {
      await this.sessions.touch(sessionId, now.toISOString());
      cached.record.lastUsedAt = now.toISOString();
    }
  }

  private async fetch(sessionId: string): Promise<{ record: SessionRecord; fetched: number } | undefined> {
    const record = await this.sessions.get(sessionId);
    if (!record) {
      this.cache.delete(sessionId);
      return undefined;
    }
    const entry = { record, fetched: Date.now() };
    this.cache.set(sessionId, entry);
    if (this.cache.size > 50_000) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }

  private deadness(record: SessionRecord, now: Date): SessionEnd | 'unknown' | null {
    if (record.endedAt) return record.endReason ?? 'sign-out';
    if (Date.parse(record.expiresAt) <= now.getTime()) return 'expired';
    if (Date.parse(record.lastUsedAt) + this.policy.sessionIdleMinutes * 60_000 <= now.getTime()) return 'idle';
    return null;
  }

  private async liveOrEnd(session: SessionRecord, now: Date, note: Note): Promise<void> {
    const dead = this.deadness(session, now);
    if (!dead) return;
    if (!session.endedAt && dead !== 'unknown') {
      await this.endSession(session.id, now, dead);
      note({ action: 'session-end', detail: { session: session.id, reason: dead } });
    }
    throw new UnauthenticatedError(`the session has ended (${dead}); sign in again`);
  }

  private async endSession(id: string, now: Date, reason: SessionEnd): Promise<void> {
    await this.sessions.end(id, now.toISOString(), reason);
    this.cache.delete(id);
  }

  private async sessionOfCookie(cookie: string | undefined): Promise<SessionRecord> {
    if (cookie === undefined || cookie === '') throw new UnauthenticatedError('no refresh cookie: sign in');
    const m = COOKIE.exec(cookie);
    if (!m) throw new UnauthenticatedError('the refresh cookie is malformed: sign in again');
    const session = await this.sessions.get(m[1]);
    const given = Buffer.from(sha256(m[2]));
    if (!session || !crypto.timingSafeEqual(given, Buffer.from(session.secretHash)))
      throw new UnauthenticatedError('the refresh cookie names no session: sign in again');
    return session;
  }

  private accessToken(account: Live & { status: string }, role: string, sid: string, mcp: boolean, now: Date): { accessToken: string; expiresIn: number } {
    const a = account as Extract<AccountState, { status: 'active' }>;
    const expiresIn = this.policy.accessTokenMinutes * 60;
    const accessToken = signAccessToken(
      {
        sub: a.accountId,
        role: role as AccountRole,
        unitId: role === 'unit' ? a.unitId : null,
        name: a.name,
        ...(a.rank && role === 'org_dept' ? { rank: a.rank } : {}),
        sid,
        mcp,
      },
      this.secret,
      { now, expiresInSeconds: expiresIn },
    );
    return { accessToken, expiresIn };
  }

  private roleFor(account: Extract<AccountState, { roles: AccountRole[] }>, wanted: string | undefined): AccountRole {
    if (wanted !== undefined) {
      if (!account.roles.includes(wanted as AccountRole)) throw new ApiProblem(403, 'ROLE_NOT_HELD', `该账号没有角色 ${wanted}`);
      return wanted as AccountRole;
    }
    if (!account.roles.length) throw new ApiProblem(403, 'ACCOUNT_WITHOUT_ROLE', '该账号没有任何角色，请联系安全管理员');
    return account.roles[0];
  }

  /**
   * At most hourly, on a sign-in: sessions past their absolute end by a week are deleted (the access
   * audit trail keeps who signed in and out; the table need not grow forever).
   */
  private async pruneSessions(now: Date): Promise<void> {
    if (now.getTime() - this.pruned < 3_600_000) return;
    this.pruned = now.getTime();
    await this.sessions.prune(new Date(now.getTime() - 7 * 86_400_000).toISOString());
  }

  /** An initial, reset or too old password is changed before anything else, by those who signed in with it. */
  private async mustChange(method: SignInMethod, credential: CredentialRecord, accountId: string, now: Date): Promise<boolean> {
    return method === 'password' && (credential.mustChange || (await this.tooOld(accountId, now)));
  }

  /** LEDGER_PASSWORD_MAX_AGE_DAYS: the last password set (an event of the account's stream) is older. */
  private async tooOld(accountId: string, now: Date): Promise<boolean> {
    if (this.policy.passwordMaxAgeDays <= 0) return false;
    const events = (await this.path.fold(accountStream(accountId), accountDecider)).events;
    const last = [...events].reverse().find((e) => e.type === 'AccountPasswordSet');
    return !!last && Date.parse(last.recordedAt) + this.policy.passwordMaxAgeDays * 86_400_000 <= now.getTime();
  }

  /** The account a login names, from the ledger itself (its claim stream, then its stream): never a lagging read model. */
  private async lookup(login: string): Promise<Live | null> {
    if (!/^[a-z0-9][a-z0-9._@-]{1,63}$/.test(login)) return null;
    const claim = await this.path.fold(accountLoginStream(login), accountLoginDecider);
    return claim.state.status === 'claimed' ? this.byId(claim.state.accountId) : null;
  }

  private async byId(accountId: string): Promise<Live | null> {
    const state = (await this.path.fold(accountStream(accountId), accountDecider)).state;
    return state.status === 'none' ? null : state;
  }

  private dummyHash(): Promise<string> {
    this.dummy ??= hashPassword(crypto.randomBytes(16).toString('hex'));
    return this.dummy;
  }

  /** An unknown login fails, and locks out, exactly as a known one would. */
  private phantomFailure(login: string, address: string | null, now: Date): ApiProblem {
    this.countAddress(address, now);
    const t = now.getTime();
    let p = this.phantoms.get(login);
    if (p && p.lockedUntil > t) return this.locked(new Date(p.lockedUntil).toISOString());
    if (!p || (p.lockedUntil && p.lockedUntil <= t)) p = { failures: 0, lockedUntil: 0 };
    p.failures += 1;
    if (p.failures >= this.policy.lockAttempts) p.lockedUntil = t + this.policy.lockMinutes * 60_000;
    this.phantoms.delete(login);
    this.phantoms.set(login, p);
    if (this.phantoms.size > MAX_PHANTOMS) this.phantoms.delete(this.phantoms.keys().next().value!);
    return p.lockedUntil > t ? this.locked(new Date(p.lockedUntil).toISOString()) : invalid();
  }

  private locked(until: string): ApiProblem {
    return new ApiProblem(423, 'ACCOUNT_LOCKED', `连续登录失败次数过多，账号已锁定至 ${until}`, { lockedUntil: until });
  }

  /** LEDGER_SIGN_IN_ADDRESS_LIMIT failures a minute from one address, then 429 until the oldest is a minute old. */
  private throttle(address: string | null, now: Date): void {
    const key = address ?? 'unknown';
    const recent = (this.addressFailures.get(key) ?? []).filter((t) => t > now.getTime() - 60_000);
    if (recent.length) this.addressFailures.set(key, recent);
    else this.addressFailures.delete(key);
    if (recent.length >= this.policy.addressLimitPerMinute) {
      const retryAfter = Math.max(1, Math.ceil((recent[0] + 60_000 - now.getTime()) / 1000));
      throw new ApiProblem(429, 'TOO_MANY_SIGN_IN_FAILURES', `此地址登录失败次数过多，请 ${retryAfter} 秒后再试`, { retryAfter });
    }
  }

  private countAddress(address: string | null, now: Date): void {
    const key = address ?? 'unknown';
    const list = this.addressFailures.get(key) ?? [];
    list.push(now.getTime());
    this.addressFailures.set(key, list);
    if (this.addressFailures.size > MAX_PHANTOMS) this.addressFailures.delete(this.addressFailures.keys().next().value!);
  }

  onApplicationShutdown(): Promise<void> {
    return this.sessions.close();
  }
}
