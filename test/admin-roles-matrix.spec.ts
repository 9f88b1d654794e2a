/**
 * Issue 16, point 3: the three administrator roles (三员) and the version 1 `admin` token against every
 * route the app registers. The routes come from Express' router after app.init(), so a route added
 * later is in the matrix without anyone listing it; what each administrator may do comes from the
 * table below, written from the issue's rule and API.md, not from the routes' decorators:
 *
 *   system administrator (sysadmin; `admin` acts as it): the organisation tree and the cadres (reads them
 *     to manage them), opens accounts with their requested roles, reads the account list;
 *   security administrator: every later grant and revocation, unit change, lock, unlock, reset and
 *     close; reads the account list and the unit tree (a unit role is granted with a unit of it);
 *   audit administrator: reads and exports the access audit trail, and the verifiable log (API.md);
 *   none of them acts on items or reads them, their figures, the register, the sheets or the proofs.
 *
 * Anything not in the table is refused to all four. Every refusal is a 403 problem detail that leaves
 * the ledger's head and the credentials database (passwords, sessions, keys) as they were.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { UserRole } from '@ledger/contracts/events';
import type { EventStore } from '@ledger/event-store';
import { EVENT_STORE } from '../apps/api/src/platform/tokens';
import { issueApiKey } from '../apps/cli/src/accounts/api-keys';
import { API, startLedger, type Ledger } from './support/ledger';

type Admin = 'sysadmin' | 'secadmin' | 'auditadmin' | 'admin';
const ADMINS: readonly Admin[] = ['sysadmin', 'secadmin', 'auditadmin', 'admin'];

/** Whom a route is for: 'public' needs no token; 'account' is any signed-in holder; else the administrators it admits. */
type Policy = 'public' | 'account' | readonly Admin[];
const SYS: readonly Admin[] = ['sysadmin', 'admin'];
const SEC: readonly Admin[] = ['secadmin'];
const AUDIT: readonly Admin[] = ['auditadmin'];

const POLICY: Record<string, Policy> = {
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'public',
  'GET /api/v1/demo/users': 'public',
  'POST /api/v1/auth/sign-in': 'public',
  'POST /api/v1/auth/refresh': 'public',
  'POST /api/v1/auth/sign-out': 'public',
  'GET /api/v1/auth/policy': 'public',
  // 统一身份认证 (issue 16 point 5): what the sign-in page offers, and the provider's round trip.
  'GET /api/v1/auth/config': 'public',
  'GET /api/v1/auth/oidc/start': 'public',
  'GET /api/v1/auth/oidc/callback': 'public',
  'POST /api/v1/auth/password': 'account',
  // The organisation tree and the cadres.
  'POST /api/v1/units': SYS,
  'POST /api/v1/units/:id/rename': SYS,
  'POST /api/v1/units/:id/move': SYS,
  'POST /api/v1/units/:id/dissolve': SYS,
  'POST /api/v1/cadres': SYS,
  'POST /api/v1/cadres/:id/transfer': SYS,
  'GET /api/v1/units': [...SYS, ...SEC],
  'GET /api/v1/cadres': SYS,
  // Accounts.
  'POST /api/v1/accounts': SYS,
  'GET /api/v1/accounts': [...SYS, ...SEC],
  'POST /api/v1/accounts/:id/grant': SEC,
  'POST /api/v1/accounts/:id/revoke': SEC,
  'POST /api/v1/accounts/:id/unit': SEC,
  'POST /api/v1/accounts/:id/lock': SEC,
  'POST /api/v1/accounts/:id/unlock': SEC,
  'POST /api/v1/accounts/:id/reset-password': SEC,
  'POST /api/v1/accounts/:id/close': SEC,
  'GET /api/v1/accounts/:id/keys': SEC,
  'POST /api/v1/accounts/:id/keys/:keyId/revoke': SEC,
  // The audit trail and the verifiable log (API.md, version 2).
  'GET /api/v1/audit/access': AUDIT,
  'GET /api/v1/log/checkpoint': AUDIT,
  'GET /api/v1/log/key': AUDIT,
  'GET /api/v1/log/inclusion': AUDIT,
  'GET /api/v1/log/consistency': AUDIT,
  // The notifier's dead-letter list (issue 19): operating the system, the system administrator's.
  'GET /api/v1/notifications/dead-letters': SYS,
  'POST /api/v1/notifications/:id/replay': SYS,
};

/** The OpenAPI document and its UI are public (API.md, Authentication). */
const policyOf = (key: string): Policy => POLICY[key] ?? (/^GET \/api\/docs/.test(key) ? 'public' : []);

interface Route {
  method: string;
  path: string;
  key: string;
}

function registeredRoutes(ledger: Ledger): Route[] {
  const express = ledger.app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } };
  const routes: Route[] = [];
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all') routes.push({ method: method.toUpperCase(), path: layer.route.path, key: `${method.toUpperCase()} ${layer.route.path}` });
    }
  }
  return routes;
}

describe('三员 against every route (generated from the router)', () => {
  let ledger: Ledger;
  let store: EventStore;
  let routes: Route[];
  let n = 0;
  const fresh = (prefix: string): string => `${prefix}${++n}`;

  beforeAll(async () => {
    ledger = await startLedger({ engine: 'sqlite' });
    store = ledger.app.get(EVENT_STORE);
    routes = registeredRoutes(ledger);
    const org = ledger.as('org_dept');
    await org.post('/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }, 201);
    await org.post('/units', { id: 'T1', name: '和平乡党委', kind: 'township_committee', parentId: 'C' }, 201);
    await org.post('/units', { id: 'T2', name: '城关镇党委', kind: 'township_committee', parentId: 'C' }, 201);
    await org.post('/cadres', { id: 'K1', name: '张三', unitId: 'T1', post: '书记' }, 201);
    await org.post('/sheets', { id: 'S1', number: '湟组交〔2026〕1号', title: '任务', issuedOn: '2026-03-02' }, 201);
    await org.post('/items', { id: 'I1', sheetId: 'S1', title: '事项', unitId: 'T1', cadreId: 'K1', dueDate: '2026-03-20' }, 201);
  }, 60_000);
  afterAll(() => ledger?.close());

  /** Everything the credentials database holds (passwords, sessions, API keys), as text. */
  function credentialsState(): string {
    const file = path.join(ledger.config.dataDir, 'credentials.sqlite');
    if (!fs.existsSync(file)) return '';
    const db = new Database(file, { readonly: true });
    try {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
      return JSON.stringify(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}" ORDER BY 1`).all()]));
    } finally {
      db.close();
    }
  }

  const sys = () => ledger.as('sysadmin', undefined, { sub: 'matrix-sys' });
  const sec = () => ledger.as('secadmin', undefined, { sub: 'matrix-sec' });
  async function account(roles: string[], unitId?: string): Promise<string> {
    const id = fresh('acct-');
    await sys().post('/accounts', { id, login: `login.${id}`, name: '测试', roles, ...(unitId ? { unitId } : {}) }, 201);
    return id;
  }

  /**
   * The request for a route the role may call: a well-formed body on a fresh target, so that the
   * answer is the act itself (2xx), not a refusal for another reason. Refused routes get `{}` and the
   * seeded ids: the refusal comes before the body is read.
   */
  async function requestFor(route: Route, allowed: boolean): Promise<{ url: string; body?: object; ok?: number }> {
    const seeded = route.path
      .replace(':decisionId', 'D1')
      .replace(':keyId', 'K1')
      .replace(
        ':id',
        route.path.startsWith('/api/v1/units')
          ? 'T1'
          : route.path.startsWith('/api/v1/cadres')
            ? 'K1'
            : route.path.startsWith('/api/v1/accounts')
              ? 'acct-none'
              : 'I1',
      );
    if (allowed && route.key === 'GET /api/v1/accounts/:id/keys') return { url: `${API}/accounts/${await account(['inspector'])}/keys` };
    // The verifiable log's proofs need their sizes (API.md, version 2): the fixtures' first event.
    if (allowed && route.key === 'GET /api/v1/log/inclusion') return { url: `${API}/log/inclusion?position=1` };
    if (allowed && route.key === 'GET /api/v1/log/consistency') return { url: `${API}/log/consistency?from=1` };
    if (!allowed || route.method === 'GET') return { url: seeded };
    const unit = async (parentId = 'T1') => {
      const id = fresh('U');
      await ledger.as('org_dept').post('/units', { id, name: `支部${id}`, kind: 'branch', parentId }, 201);
      return id;
    };
    switch (route.key) {
      case 'POST /api/v1/units':
        return { url: seeded, body: { name: `支部${fresh('n')}`, kind: 'branch', parentId: 'T1' }, ok: 201 };
      case 'POST /api/v1/units/:id/rename':
        return { url: `${API}/units/${await unit()}/rename`, body: { name: '新名' }, ok: 200 };
      case 'POST /api/v1/units/:id/move':
        return { url: `${API}/units/${await unit()}/move`, body: { parentId: 'T2' }, ok: 200 };
      case 'POST /api/v1/units/:id/dissolve':
        return { url: `${API}/units/${await unit()}/dissolve`, body: { reason: '撤并' }, ok: 200 };
      case 'POST /api/v1/cadres':
        return { url: seeded, body: { name: '李四', unitId: 'T1', post: '委员' }, ok: 201 };
      case 'POST /api/v1/cadres/:id/transfer': {
        const id = fresh('K');
        await ledger.as('org_dept').post('/cadres', { id, name: '王五', unitId: 'T1', post: '委员' }, 201);
        return { url: `${API}/cadres/${id}/transfer`, body: { unitId: 'T2' }, ok: 200 };
      }
      case 'POST /api/v1/accounts':
        return { url: seeded, body: { login: `new.${fresh('l')}`, name: '新账号', roles: ['inspector'] }, ok: 201 };
      case 'POST /api/v1/accounts/:id/grant':
        return { url: `${API}/accounts/${await account(['inspector'])}/grant`, body: { role: 'discipline' }, ok: 200 };
      case 'POST /api/v1/accounts/:id/revoke':
        return { url: `${API}/accounts/${await account(['inspector', 'discipline'])}/revoke`, body: { role: 'discipline' }, ok: 200 };
      case 'POST /api/v1/accounts/:id/unit':
        return { url: `${API}/accounts/${await account(['unit'], 'T1')}/unit`, body: { unitId: 'T2' }, ok: 200 };
      case 'POST /api/v1/accounts/:id/lock':
        return { url: `${API}/accounts/${await account(['inspector'])}/lock`, body: {}, ok: 200 };
      case 'POST /api/v1/accounts/:id/unlock': {
        const id = await account(['inspector']);
        await sec().post(`/accounts/${id}/lock`, {}, 200);
        return { url: `${API}/accounts/${id}/unlock`, body: {}, ok: 200 };
      }
      case 'POST /api/v1/accounts/:id/reset-password':
        return { url: `${API}/accounts/${await account(['inspector'])}/reset-password`, body: {}, ok: 200 };
      case 'POST /api/v1/accounts/:id/keys/:keyId/revoke': {
        const id = await account(['inspector']);
        let key = '';
        await issueApiKey(ledger.config, { account: id }, { out: (t) => (key += t), err: () => undefined, progress: null, clock: ledger.clock });
        return { url: `${API}/accounts/${id}/keys/${key.slice(3, 19)}/revoke`, body: {}, ok: 200 };
      }
      case 'POST /api/v1/accounts/:id/close':
        return { url: `${API}/accounts/${await account(['inspector'])}/close`, body: {}, ok: 200 };
      // No dead letter in the fixtures: past the guard, an unknown message is the route's own 404.
      case 'POST /api/v1/notifications/:id/replay':
        return { url: `${API}/notifications/00000000-0000-0000-0000-000000000000/replay`, body: {}, ok: 404 };
      default:
        return { url: seeded, body: {} };
    }
  }

  it('finds the routes of every part of the app in the router', () => {
    const keys = routes.map((r) => r.key);
    // A few known routes of each module, so that an empty or partial discovery cannot pass.
    for (const k of [
      'POST /api/v1/units',
      'GET /api/v1/items',
      'POST /api/v1/items/:id/urge',
      'GET /api/v1/audit/access',
      'POST /api/v1/accounts/:id/lock',
      'GET /api/v1/star-rating',
      'GET /metrics',
    ]) {
      expect(keys).toContain(k);
    }
    expect(routes.filter((r) => r.path.startsWith('/api/v1/')).length).toBeGreaterThanOrEqual(50);
  });

  for (const role of ADMINS) {
    it(`${role}: allowed exactly where the table says, and every refusal a 403 that changes nothing`, async () => {
      const as =
        role === 'admin' ? ledger.as('admin', undefined, { sub: 'matrix-v1-admin' }) : ledger.as(role as UserRole, undefined, { sub: `matrix-${role}` });
      const wrong: string[] = [];
      for (const route of routes) {
        const policy = policyOf(route.key);
        const allowed = policy === 'public' || policy === 'account' || policy.includes(role);
        const req = await requestFor(route, allowed);
        const before = { head: await store.headPosition(), credentials: credentialsState() };
        let call = route.method === 'GET' ? ledger.http.get(req.url) : ledger.http.post(req.url).send(req.body ?? {});
        if (policy !== 'public') call = call.set('Authorization', `Bearer ${as.token}`);
        // Queries wait for the read models to include what the fixtures wrote.
        if (route.method === 'GET' && route.path.startsWith('/api/v1/') && policy !== 'public') call = call.query({ minPosition: ledger.position });
        const res = await call;
        const code = (res.body as { code?: string } | undefined)?.code;
        if (!allowed) {
          const after = { head: await store.headPosition(), credentials: credentialsState() };
          const problem = res.status === 403 && code === 'ROLE_FORBIDDEN' && /^application\/problem\+json/.test(String(res.headers['content-type']));
          if (!problem) wrong.push(`${route.key}: expected 403 ROLE_FORBIDDEN, got ${res.status} ${code ?? ''}`);
          if (after.head !== before.head) wrong.push(`${route.key}: the refusal moved the head from ${before.head} to ${after.head}`);
          if (after.credentials !== before.credentials) wrong.push(`${route.key}: the refusal changed the credentials database`);
        } else if (req.ok !== undefined) {
          if (res.status !== req.ok) wrong.push(`${route.key}: expected ${req.ok}, got ${res.status} ${code ?? ''} ${JSON.stringify(res.body).slice(0, 200)}`);
        } else if (policy === 'public' || policy === 'account') {
          // A public route may answer 400 or 401 for its own reasons (no cookie, no password); never a role's 403.
          if (res.status === 403 && code === 'ROLE_FORBIDDEN') wrong.push(`${route.key}: a role's 403 on a route for everyone`);
        } else if (res.status >= 400) {
          wrong.push(`${route.key}: expected a 2xx, got ${res.status} ${code ?? ''}`);
        }
      }
      expect(wrong).toEqual([]);
    }, 240_000);
  }

  it('no account holds two administrator roles: neither opened with two nor granted a second', async () => {
    const refused = async (send: () => Promise<{ status: number; body: { code?: string } }>, status: number, code: string) => {
      const before = { head: await store.headPosition(), credentials: credentialsState() };
      const res = await send();
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      expect({ head: await store.headPosition(), credentials: credentialsState() }).toEqual(before);
    };
    const pairs: Array<[string, string]> = [
      ['sysadmin', 'secadmin'],
      ['sysadmin', 'auditadmin'],
      ['secadmin', 'auditadmin'],
    ];
    for (const [a, b] of pairs) {
      await refused(() => sys().post('/accounts', { login: `two.${a}.${b}`, name: '二员', roles: [a, b] }), 409, 'ADMIN_ROLES_EXCLUSIVE');
      for (const [held, second] of [
        [a, b],
        [b, a],
      ]) {
        const id = await account([held]);
        await refused(() => sec().post(`/accounts/${id}/grant`, { role: second }), 409, 'ADMIN_ROLES_EXCLUSIVE');
        // Nor a role that acts on items beside it.
        await refused(() => sec().post(`/accounts/${id}/grant`, { role: 'org_dept' }), 409, 'ADMIN_ROLES_EXCLUSIVE');
      }
    }
    const inspector = await account(['inspector']);
    await refused(() => sec().post(`/accounts/${inspector}/grant`, { role: 'auditadmin' }), 409, 'ADMIN_ROLES_EXCLUSIVE');
    const all = (await sec().get('/accounts', 200)).body as Array<{ roles: string[] }>;
    expect(all.filter((a) => a.roles.filter((r) => ['sysadmin', 'secadmin', 'auditadmin'].includes(r)).length > 1)).toEqual([]);
  }, 120_000);
});
