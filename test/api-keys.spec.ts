/**
 * Machine clients. `ledger token --account <login>` issues an API key bound to the
 * account: its role and unit are the account's at each use, it expires, the security administrator
 * revokes it (API or `ledger account revoke-key`), and a revoked or expired key, or a key of a locked
 * or closed account, is 401 from the very next request. The credentials table keeps SHA-256 of the
 * secret only; the access audit trail shows the issue, every use and the revocation. Through the real
 * app (supertest, real SQLite), the CLI's code in-process, and the built CLI.
 */
import type { ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { EventStore } from '@ledger/event-store';
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import { startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { Client as PgClient } from 'pg';
import { spawnBuilt } from '@ledger/platform/testing/processes';
import { EVENT_STORE } from '../apps/api/src/platform/tokens';
import { issueApiKey } from '../apps/cli/src/accounts/api-keys';
import { API, startLedger, type Ledger } from './support/ledger';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist', `.api-keys-${process.pid}`);
const CLI = 'apps/cli/src/main.js';
const started = new Set<ChildProcess>();

describe('API keys for scripts (ledger token --account)', () => {
  let ledger: Ledger;
  let store: EventStore;
  const sys = () => ledger.as('sysadmin', undefined, { sub: 'keys-sys' });
  const sec = () => ledger.as('secadmin', undefined, { sub: 'keys-sec' });

  /** `ledger token --account …` in this process, on the app's data folder and clock. */
  async function issue(account: string, extra: { expires?: string; name?: string; role?: string } = {}): Promise<{ code: number; key: string; err: string }> {
    let out = '';
    let err = '';
    const code = await issueApiKey(
      ledger.config,
      { account, ...extra },
      { out: (t) => (out += t), err: (t) => (err += t), progress: null, clock: ledger.clock },
    );
    return { code, key: out.trim(), err };
  }
  const as = (key: string) => ({
    get: (route: string) => ledger.http.get(`${API}${route}`).set('Authorization', `Bearer ${key}`),
    post: (route: string, body: object) => ledger.http.post(`${API}${route}`).set('Authorization', `Bearer ${key}`).send(body),
  });
  function keysTable(): Array<Record<string, unknown>> {
    const db = new Database(path.join(ledger.config.dataDir, 'credentials.sqlite'), { readonly: true });
    try {
      return db.prepare('SELECT * FROM api_keys ORDER BY createdAt, keyId').all() as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  }
  async function auditEntries(
    action: string,
  ): Promise<Array<{ actor: string; action: string; target: string; status: number | null; detail: Record<string, unknown> | null }>> {
    return (await ledger.as('auditadmin', undefined, { sub: 'keys-audit' }).get(`/audit/access?action=${action}`, 200)).body.entries;
  }

  beforeAll(async () => {
    ledger = await startLedger({ engine: 'sqlite' });
    store = ledger.app.get(EVENT_STORE);
    const org = ledger.as('org_dept');
    await org.post('/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }, 201);
    await org.post('/units', { id: 'T1', name: '和平乡党委', kind: 'township_committee', parentId: 'C' }, 201);
    await sys().post('/accounts', { id: 'ops', login: 'ops.script', name: '组织部脚本', roles: ['org_dept'] }, 201);
    await sys().post('/accounts', { id: 'bot', login: 'unit.bot', name: '乡镇脚本', roles: ['unit'], unitId: 'T1' }, 201);
  }, 60_000);
  afterAll(async () => {
    for (const c of started) c.kill('SIGKILL');
    fs.rmSync(OUT, { recursive: true, force: true });
    await ledger?.close();
  });

  it('acts as the account, with the role it holds at each use; the secret is kept only as its SHA-256', async () => {
    const issued = await issue('ops.script', { expires: '30d', name: '夜间对账' });
    expect(issued.code).toBe(0);
    const m = /^lk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(issued.key);
    expect(m).not.toBeNull();
    const [, keyId, secret] = m!;
    const made = await as(issued.key).post('/sheets', { id: 'S1', number: '湟组交〔2026〕9号', title: '脚本', issuedOn: '2026-03-02' });
    expect(made.status).toBe(201);
    const [event] = await store.readStream('sheet-S1');
    expect(event.metadata.actor).toMatchObject({ userId: 'ops', role: 'org_dept', name: '组织部脚本' });

    // The row: the account, who made it, its expiry 30 days from the county clock, the secret hashed.
    const rows = keysTable();
    expect(rows).toEqual([
      {
        keyId,
        accountId: 'ops',
        secretHash: crypto.createHash('sha256').update(secret).digest('hex'),
        role: null,
        name: '夜间对账',
        createdAt: '2026-03-02T01:00:00.000Z',
        createdBy: expect.stringMatching(/^cli:/),
        expiresAt: '2026-04-01T01:00:00.000Z',
        revokedAt: null,
        revokedBy: null,
      },
    ]);
    expect(fs.readFileSync(path.join(ledger.config.dataDir, 'credentials.sqlite')).includes(secret)).toBe(false);

    // The security administrator takes org_dept away and grants inspector: the same key is an inspector's now.
    await sec().post('/accounts/ops/grant', { role: 'inspector' }, 200);
    await sec().post('/accounts/ops/revoke', { role: 'org_dept' }, 200);
    const refused = await as(issued.key).post('/sheets', { id: 'S2', number: '湟组交〔2026〕10号', title: '脚本', issuedOn: '2026-03-02' });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: 'ROLE_FORBIDDEN' });
    expect((await as(issued.key).get('/items')).status).toBe(200);
  });

  it('answers 401 from the very next request once the security administrator revokes it, and the trail shows issue, uses and revocation', async () => {
    const { key } = await issue('ops.script', { name: '待吊销' });
    const keyId = key.slice(3, 19);
    expect((await as(key).get('/units')).status).toBe(200);
    const listed = (await sec().get('/accounts/ops/keys', 200)).body as Array<Record<string, unknown>>;
    // Both issued at the same instant of the fixed clock: compared by name, not by order.
    const byName = listed.map((k) => [k.name, k.keyId, k.revokedAt]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(byName).toEqual(
      [
        ['夜间对账', expect.any(String), null],
        ['待吊销', keyId, null],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(listed.flatMap((k) => Object.keys(k).filter((f) => /hash|secret/i.test(f)))).toEqual([]);

    const revoked = await sec().post(`/accounts/ops/keys/${keyId}/revoke`, {}, 200);
    expect(revoked.body).toMatchObject({ keyId, accountId: 'ops', revokedAt: '2026-03-02T01:00:00.000Z', revokedBy: 'keys-sec' });
    const next = await as(key).get('/units');
    expect({ status: next.status, code: next.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    await sec().post(`/accounts/ops/keys/${keyId}/revoke`, {}, 409);
    await sec().post(`/accounts/bot/keys/${keyId}/revoke`, {}, 404);
    for (const role of ['sysadmin', 'auditadmin', 'org_dept'] as const) await ledger.as(role).post(`/accounts/ops/keys/${keyId}/revoke`, {}, 403);

    const issuedEntries = await auditEntries('api-key-issued');
    expect(issuedEntries.filter((e) => e.detail?.apiKey === keyId)).toEqual([
      expect.objectContaining({ actor: expect.stringMatching(/^cli:/), target: 'account:ops' }),
    ]);
    const uses = await auditEntries('api-key-use');
    expect(uses.filter((e) => e.detail?.apiKey === keyId)).toEqual([expect.objectContaining({ actor: 'ops', target: 'GET /api/v1/units', status: 200 })]);
    const revocations = await auditEntries('api-key-revoked');
    expect(revocations.filter((e) => e.detail?.apiKey === keyId && e.status === 200)).toEqual([
      expect.objectContaining({ actor: 'keys-sec', target: `POST /api/v1/accounts/ops/keys/${keyId}/revoke` }),
    ]);
    // The refusal of the revoked key names it.
    expect((await auditEntries('refused')).filter((e) => e.detail?.apiKey === keyId)).toEqual([
      expect.objectContaining({ actor: null, target: 'GET /api/v1/units', status: 401 }),
    ]);
  });

  it('expires by the county clock; a key of a locked or closed account is 401; forged keys are 401', async () => {
    const short = await issue('unit.bot', { expires: '1h' });
    expect((await as(short.key).get('/items')).status).toBe(200);
    const long = await issue('unit.bot', { expires: '90d' });
    ledger.clock.set(new Date(Date.parse('2026-03-02T01:00:00.000Z') + 3_600_000));
    expect((await as(short.key).get('/items')).status).toBe(401);
    expect((await as(long.key).get('/items')).status).toBe(200);

    await sec().post('/accounts/bot/lock', { reason: '停用' }, 200);
    expect((await as(long.key).get('/items')).status).toBe(401);
    await sec().post('/accounts/bot/unlock', {}, 200);
    expect((await as(long.key).get('/items')).status).toBe(200);
    await sec().post('/accounts/bot/close', {}, 200);
    expect((await as(long.key).get('/items')).status).toBe(401);

    const other = await issue('ops.script');
    const forged = other.key.slice(0, -4) + (other.key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const key of [forged, 'lk_0000000000000000_' + 'A'.repeat(43), 'lk_nonsense']) {
      const res = await as(key).get('/units');
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    }
    // No key for a closed, unknown or role-less account, nor for a role it does not hold.
    expect((await issue('unit.bot')).code).toBe(1);
    expect((await issue('nobody.here')).code).toBe(1);
    expect((await issue('ops.script', { role: 'org_dept' })).err).toMatch(/^ROLE_NOT_HELD/);
    expect(keysTable().filter((k) => k.accountId === 'bot')).toHaveLength(2);
  });

  it('the built CLI: ledger token --account prints the key alone, ledger account revoke-key ends it at once', async () => {
    buildEntryPoints(path.basename(OUT), [CLI.replace(/\.js$/, '.ts')]);
    const run = async (...args: string[]) => {
      const p = spawnBuilt(path.join(OUT, CLI), args, {
        cwd: ROOT,
        env: { LEDGER_DATA_DIR: ledger.config.dataDir, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL' },
        started,
      });
      let stdout = '';
      p.child.stdout!.on('data', (d) => (stdout += String(d)));
      return { code: await p.exited, stdout, all: p.out() };
    };
    const minted = await run('token', '--account', 'ops.script', '--expires', '7d', '--name', 'cron');
    expect(minted.code).toBe(0);
    expect(minted.stdout).toMatch(/^lk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
    const key = minted.stdout.trim();
    expect((await as(key).get('/units')).status).toBe(200);
    const revoked = await run('account', 'revoke-key', key.slice(3, 19), '--reason', '泄露');
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ keyId: key.slice(3, 19), accountId: 'ops', revokedBy: expect.stringMatching(/^cli:/) });
    expect((await as(key).get('/units')).status).toBe(401);
    expect((await run('account', 'revoke-key', key.slice(3, 19))).code).toBe(1);
    const mixed = await run('token', '--account', 'ops.script', '--sub', 'someone');
    expect(mixed.code).toBe(2);
    expect((await run('token', '--account', 'ops.script', '--expires', 'forever')).code).toBe(2);
  }, 300_000);
});

describe('API keys on PostgreSQL (the credentials in LEDGER_READ_DB_URL, the trail beside the events)', () => {
  let server: TestPostgres | undefined;
  let ledger: Ledger | undefined;
  afterAll(async () => {
    await ledger?.close();
    await server?.stop();
  });

  it('issues, uses and revokes a key, the next request 401', async () => {
    server = await startTestPostgres();
    ledger = await startLedger({ engine: 'postgres', postgres: server });
    const l = ledger;
    await l.as('sysadmin', undefined, { sub: 'pg-sys' }).post('/accounts', { id: 'pg-ops', login: 'pg.ops', name: '脚本', roles: ['inspector'] }, 201);
    let key = '';
    expect(
      await issueApiKey(l.config, { account: 'pg.ops', expires: '1d' }, { out: (t) => (key += t), err: () => undefined, progress: null, clock: l.clock }),
    ).toBe(0);
    key = key.trim();
    const get = () => l.http.get(`${API}/units`).set('Authorization', `Bearer ${key}`);
    expect((await get()).status).toBe(200);
    const pg = new PgClient({ connectionString: l.config.readDbUrl! });
    await pg.connect();
    try {
      const rows = (await pg.query('SELECT "accountId", "secretHash", "expiresAt" FROM "api_keys"')).rows;
      expect(rows).toEqual([
        { accountId: 'pg-ops', secretHash: crypto.createHash('sha256').update(key.slice(20)).digest('hex'), expiresAt: '2026-03-03T01:00:00.000Z' },
      ]);
    } finally {
      await pg.end();
    }
    await l.as('secadmin', undefined, { sub: 'pg-sec' }).post(`/accounts/pg-ops/keys/${key.slice(3, 19)}/revoke`, {}, 200);
    expect((await get()).status).toBe(401);
    const uses = (await l.as('auditadmin').get('/audit/access?action=api-key-use', 200)).body.entries as Array<{ actor: string; status: number }>;
    expect(uses.map((e) => [e.actor, e.status])).toEqual([['pg-ops', 200]]);
  }, 180_000);
});
