/**
 * Accounts recorded in the ledger, through the real app (supertest, real SQLite; the as-of
 * question on PostgreSQL too): 三员 — the system administrator opens accounts, the security
 * administrator does every later act on them, the audit administrator none, and none of the three acts
 * on items; every refusal leaves the head of the log where it was; no secret goes into an event.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { EventStore, StoredEvent } from '@ledger/event-store';
import { createTestDatabase } from '@ledger/platform/testing/postgres';
import { openReadModels, rebuildReadModels } from '@ledger/read-models';
import { dumpReadModels } from '@ledger/read-models/testing/dump';
import { inProcessProjector } from '../apps/api/src/create-app';
import { startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { AccountCommands } from '../apps/api/src/accounts/account-commands.service';
import { CredentialsStore } from '@ledger/application';
import { EVENT_STORE } from '../apps/api/src/platform/tokens';
import { startLedger, type Ledger } from './support/ledger';

async function allEvents(store: EventStore): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for (
    let page = await store.readAll({ after: 0n, limit: 1000 });
    page.length;
    page = await store.readAll({ after: page[page.length - 1].position, limit: 1000 })
  )
    out.push(...page);
  return out;
}

describe('accounts: 三员 on the command path (SQLite)', () => {
  let ledger: Ledger;
  let store: EventStore;
  beforeAll(async () => {
    ledger = await startLedger({ engine: 'sqlite' });
    store = ledger.app.get(EVENT_STORE);
  }, 60_000);
  afterAll(() => ledger?.close());

  /** The request is refused with `status` and `code`, and the log's head has not moved. */
  async function refused(
    send: () => Promise<{ status: number; body: { code?: string }; headers: Record<string, string> }>,
    status: number,
    code: string,
  ): Promise<void> {
    const before = await store.headPosition();
    const res = await send();
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await store.headPosition()).toBe(before);
  }

  it('opens, grants, revokes, locks, unlocks, resets and closes, each by the administrator whose duty it is', async () => {
    const sys = ledger.as('sysadmin', undefined, { sub: 'acc-sys' });
    const admin = ledger.as('admin', undefined, { sub: 'v1-admin' });
    const sec = ledger.as('secadmin', undefined, { sub: 'acc-sec' });
    const audit = ledger.as('auditadmin', undefined, { sub: 'acc-audit' });
    const org = ledger.as('org_dept');
    // Version 1 admin tokens keep working as the system administrator: the organisation tree.
    await admin.post('/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }, 201);
    await sys.post('/units', { id: 'V1', name: '茶曲村党支部', kind: 'branch', parentId: 'C' }, 201);

    const body = { id: 'A1', login: 'li.jiwei', name: '李纪委', roles: ['discipline'], phone: '0971-1234567' };
    for (const who of [sec, audit, org, ledger.as('unit', 'V1'), ledger.as('inspector')]) {
      await refused(() => who.post('/accounts', body), 403, 'ROLE_FORBIDDEN');
    }
    const opened = await sys.post('/accounts', body, 201);
    expect(opened.body).toEqual({ id: 'A1', revision: 1, position: expect.any(String), initialPassword: expect.stringMatching(/^[A-Za-z0-9]{16}$/) });
    const first = opened.body.initialPassword as string;
    // An admin token opens accounts too (acting as sysadmin).
    await admin.post('/accounts', { id: 'A2', login: 'zhang.ducha', name: '张督查', roles: ['inspector'] }, 201);

    await refused(() => sys.post('/accounts', { ...body, id: 'A3', login: 'LI.JIWEI' }), 409, 'ACCOUNT_LOGIN_TAKEN');
    await refused(() => sys.post('/accounts', { id: 'A3', login: 'sec.one', name: '安全员', roles: ['secadmin', 'auditadmin'] }), 409, 'ADMIN_ROLES_EXCLUSIVE');
    await refused(() => sys.post('/accounts', { id: 'A3', login: 'sec.one', name: '安全员', roles: ['secadmin', 'org_dept'] }), 409, 'ADMIN_ROLES_EXCLUSIVE');
    await refused(() => sys.post('/accounts', { id: 'A3', login: 'cun.yi', name: '村干部', roles: ['unit'] }), 409, 'UNIT_ROLE_NEEDS_UNIT');
    await refused(() => sys.post('/accounts', { id: 'A3', login: 'cun.yi', name: '村干部', roles: ['admin'] }), 400, 'VALIDATION_FAILED');
    // A refused account burns no login: the same login opens now.
    await sys.post('/accounts', { id: 'A3', login: 'sec.one', name: '安全员', roles: ['secadmin'] }, 201);

    // Every later act is the security administrator's.
    for (const who of [sys, admin, audit, org]) {
      await refused(() => who.post('/accounts/A1/grant', { role: 'inspector' }), 403, 'ROLE_FORBIDDEN');
      await refused(() => who.post('/accounts/A1/revoke', { role: 'discipline' }), 403, 'ROLE_FORBIDDEN');
      for (const act of ['lock', 'unlock', 'reset-password', 'close']) await refused(() => who.post(`/accounts/A1/${act}`, {}), 403, 'ROLE_FORBIDDEN');
    }
    await sec.post('/accounts/A1/grant', { role: 'unit', unitId: 'V1', reason: '驻村' }, 200);
    await refused(() => sec.post('/accounts/A1/grant', { role: 'auditadmin' }), 409, 'ADMIN_ROLES_EXCLUSIVE');
    await refused(() => sec.post('/accounts/A1/grant', { role: 'discipline' }), 409, 'ROLE_ALREADY_HELD');
    await sec.post('/accounts/A1/revoke', { role: 'unit', reason: '结束驻村' }, 200);
    await refused(() => sec.post('/accounts/A1/revoke', { role: 'unit' }), 409, 'ROLE_NOT_HELD');
    await sec.post('/accounts/A1/lock', { reason: '离岗' }, 200);
    await refused(() => sec.post('/accounts/A1/lock', {}), 409, 'ACCOUNT_ALREADY_LOCKED');
    await sec.post('/accounts/A1/unlock', { reason: '返岗' }, 200);
    const reset = await sec.post('/accounts/A1/reset-password', { reason: '忘记密码' }, 200);
    expect(reset.body.initialPassword).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(reset.body.initialPassword).not.toBe(first);
    await refused(() => sec.post('/accounts/nobody/lock', {}), 404, 'ACCOUNT_NOT_FOUND');
    // The security administrator does not administer its own account.
    await refused(() => ledger.as('secadmin', undefined, { sub: 'A3' }).post('/accounts/A3/lock', {}), 403, 'ACCOUNT_SELF_ADMINISTRATION');
    await sec.post('/accounts/A2/close', { reason: '调离' }, 200);
    await refused(() => sec.post('/accounts/A2/grant', { role: 'discipline' }), 409, 'ACCOUNT_CLOSED');

    // The credentials table holds the reset password (one-time), the initial one in its history; no event holds either.
    const credentials = ledger.app.get(CredentialsStore);
    expect(await credentials.verify('A1', reset.body.initialPassword)).toBe(true);
    expect(await credentials.verify('A1', first)).toBe(false);
    expect(await credentials.usedRecently('A1', first)).toBe(true);
    const record = await credentials.get('A1');
    expect({ mustChange: record!.mustChange, history: record!.history.length, hash: record!.hash }).toEqual({
      mustChange: true,
      history: 2,
      hash: expect.stringMatching(/^\$scrypt\$ln=15,r=8,p=1\$/),
    });
    const events = await allEvents(store);
    const text = JSON.stringify(events.map((e) => [e.stream, e.type, e.data, e.metadata]));
    for (const secret of [first, reset.body.initialPassword, record!.hash]) expect(text).not.toContain(secret);
    const a1 = events.filter((e) => e.stream === 'account-A1');
    expect(a1.map((e) => e.type)).toEqual([
      'AccountOpened',
      'AccountPasswordSet',
      'AccountUnitChanged',
      'AccountRoleGranted',
      'AccountRoleRevoked',
      'AccountLocked',
      'AccountUnlocked',
      'AccountPasswordSet',
    ]);
    expect(a1[7].data).toEqual({ accountId: 'A1', kind: 'reset', mustChange: true, reason: '忘记密码' });
    // The actor of each act is who did it, with the role it acted as.
    expect(a1.map((e) => (e.metadata.actor as { userId: string }).userId)).toEqual(['acc-sys', 'acc-sys', ...Array(6).fill('acc-sec')]);
    expect(events.filter((e) => e.stream === 'account_login-li.jiwei').map((e) => e.data)).toEqual([{ login: 'li.jiwei', accountId: 'A1' }]);

    // The list: system and security administrators, never a secret.
    for (const who of [audit, org]) await refused(() => who.get('/accounts'), 403, 'ROLE_FORBIDDEN');
    const list = (await sec.get('/accounts', 200)).body as Array<Record<string, unknown>>;
    expect(list.map((a) => [a.id, a.login, a.roles, a.status, a.mustChangePassword])).toEqual([
      ['A1', 'li.jiwei', ['discipline'], 'active', true],
      ['A3', 'sec.one', ['secadmin'], 'active', true],
      ['A2', 'zhang.ducha', ['inspector'], 'closed', true],
    ]);
    expect((await admin.get('/accounts?role=discipline', 200)).body.map((a: { id: string }) => a.id)).toEqual(['A1']);
    expect(list.flatMap((a) => Object.keys(a).filter((k) => /hash|^password|history/i.test(k)))).toEqual([]);
    for (const secret of ['$scrypt$', first, reset.body.initialPassword]) expect(JSON.stringify(list)).not.toContain(secret);
  });

  it('lets the holder (a sign-in service acting for it) change its own password, and nobody else', async () => {
    const accounts = ledger.app.get(AccountCommands);
    const meta = (userId: string) => ({
      actor: { userId, role: 'discipline' as const, unitId: null },
      correlationId: 'c',
      commandId: 'c',
      idempotencyKey: null,
      ifMatch: null,
    });
    await expect(accounts.changeOwnPassword('A1', 'Someone-else-1', meta('A3'))).rejects.toMatchObject({ status: 403, code: 'ROLE_NOT_ALLOWED' });
    await accounts.changeOwnPassword('A1', 'My-own-secret-7', meta('A1'));
    const credentials = ledger.app.get(CredentialsStore);
    expect(await credentials.verify('A1', 'My-own-secret-7')).toBe(true);
    expect(await credentials.verify('A1', 'Someone-else-1')).toBe(false);
    expect((await credentials.get('A1'))!.mustChange).toBe(false);
    const [last] = (await store.readStream('account-A1')).slice(-1);
    expect([last.type, last.data]).toEqual(['AccountPasswordSet', { accountId: 'A1', kind: 'changed', mustChange: false, reason: null }]);
  });

  it('keeps a one-time password out of the idempotency record: a replay answers without it', async () => {
    const sys = ledger.as('sysadmin', undefined, { sub: 'acc-sys' });
    const body = { id: 'R1', login: 'retry.me', name: '重试', roles: ['inspector'] };
    const first = await sys.post('/accounts', body, 201, { 'Idempotency-Key': 'open-R1' });
    expect(first.body.initialPassword).toMatch(/^[A-Za-z0-9]{16}$/);
    const replay = await sys.post('/accounts', body, 201, { 'Idempotency-Key': 'open-R1' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual({ id: 'R1', revision: first.body.revision, position: first.body.position });
    const db = new Database(path.join(ledger.config.dataDir, 'idempotency.sqlite'), { readonly: true });
    try {
      const bodies = (db.prepare('SELECT body FROM api_idempotency_keys').all() as Array<{ body: string }>).map((r) => r.body);
      expect(bodies.some((b) => b.includes('"R1"'))).toBe(true);
      expect(bodies.filter((b) => b.includes(first.body.initialPassword))).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('none of the three administrators acts on items (403), nor issues sheets', async () => {
    const org = ledger.as('org_dept');
    await org.post('/cadres', { id: 'K1', name: '张三', unitId: 'V1', post: '书记' }, 201);
    await org.post('/sheets', { id: 's1', number: '湟组交〔2026〕1号', title: '任务', issuedOn: '2026-03-02' }, 201);
    await org.post('/items', { id: 'I1', sheetId: 's1', title: '事项', unitId: 'V1', cadreId: 'K1', dueDate: '2026-03-20' }, 201);
    for (const role of ['sysadmin', 'secadmin', 'auditadmin', 'admin'] as const) {
      const who = ledger.as(role);
      await refused(
        () => who.post('/items', { id: `I-${role}`, sheetId: 's1', title: '事项', unitId: 'V1', cadreId: 'K1', dueDate: '2026-03-20' }),
        403,
        'ROLE_FORBIDDEN',
      );
      await refused(() => who.post('/items/I1/urge', { level: 'reminder' }), 403, 'ROLE_FORBIDDEN');
      await refused(() => who.post('/items/I1/conclude', {}), 403, 'ROLE_FORBIDDEN');
      await refused(() => who.post('/sheets', { number: `N-${role}`, title: '任务', issuedOn: '2026-03-02' }), 403, 'ROLE_FORBIDDEN');
    }
  });
});

/**
 * "Who held the discipline role on 2026-03-12", answered from the ledger as of an instant; the
 * expected answers written by hand from the script below.
 *   03-10 09:00  open D1 wang.jiwei [discipline], D2 zhao.ducha [inspector]
 *   03-11 09:00  grant D2 discipline
 *   03-12 09:00  revoke D1 discipline
 *   03-13 09:00  close D2
 */
function asOfQuestion(engine: 'sqlite' | 'postgres', open: () => Promise<Ledger>, stop: () => Promise<void> = async () => undefined): void {
  describe(`who held a role when, as of any instant (${engine})`, () => {
    let ledger: Ledger;
    afterAll(async () => {
      await ledger?.close();
      await stop();
    });

    it('answers from the account versions, before and after each grant, revocation and closing', async () => {
      ledger = await open();
      const sys = ledger.as('sysadmin', undefined, { sub: 'acc-sys' });
      const sec = ledger.as('secadmin', undefined, { sub: 'acc-sec' });
      ledger.setDay('2026-03-10');
      const d1 = await sys.post('/accounts', { id: 'D1', login: 'wang.jiwei', name: '王纪委', roles: ['discipline'] }, 201);
      // The credentials table of this engine (api_credentials beside the read models on PostgreSQL).
      expect(await ledger.app.get(CredentialsStore).verify('D1', d1.body.initialPassword)).toBe(true);
      expect(await ledger.app.get(CredentialsStore).verify('D1', 'not-the-password')).toBe(false);
      await sys.post('/accounts', { id: 'D2', login: 'zhao.ducha', name: '赵督查', roles: ['inspector'] }, 201);
      ledger.setDay('2026-03-11');
      await sec.post('/accounts/D2/grant', { role: 'discipline', reason: '兼任' }, 200);
      ledger.setDay('2026-03-12');
      await sec.post('/accounts/D1/revoke', { role: 'discipline', reason: '调岗' }, 200);
      ledger.setDay('2026-03-13');
      await sec.post('/accounts/D2/close', { reason: '退休' }, 200);
      ledger.setDay('2026-03-20');

      const holders = async (instant: string) =>
        ((await sec.get(`/accounts?role=discipline&asOf=${encodeURIComponent(instant)}`, 200)).body as Array<{ id: string }>).map((a) => a.id);
      expect(await holders('2026-03-09T12:00:00+08:00')).toEqual([]);
      expect(await holders('2026-03-10T12:00:00+08:00')).toEqual(['D1']);
      expect(await holders('2026-03-11T12:00:00+08:00')).toEqual(['D1', 'D2']);
      // On 2026-03-12: both at the day's start, only D2 from 09:00 (the revocation) on.
      expect(await holders('2026-03-12T00:00:00+08:00')).toEqual(['D1', 'D2']);
      expect(await holders('2026-03-12T08:59:59+08:00')).toEqual(['D1', 'D2']);
      expect(await holders('2026-03-12T09:00:00+08:00')).toEqual(['D2']);
      expect(await holders('2026-03-12T23:59:59+08:00')).toEqual(['D2']);
      expect(await holders('2026-03-13T12:00:00+08:00')).toEqual([]);
      const all = (await sys.get(`/accounts?asOf=${encodeURIComponent('2026-03-13T12:00:00+08:00')}`, 200)).body as Array<Record<string, unknown>>;
      expect(all.map((a) => [a.id, a.roles, a.status])).toEqual([
        ['D1', [], 'active'],
        ['D2', ['inspector', 'discipline'], 'closed'],
      ]);
      // Now (no asOf): the current accounts, from the current-state model.
      expect(((await sys.get('/accounts', 200)).body as Array<{ id: string; status: string }>).map((a) => [a.id, a.status])).toEqual([
        ['D1', 'active'],
        ['D2', 'closed'],
      ]);
    });

    it('a rebuild gives the account rows of the live projector, now and by version', async () => {
      await inProcessProjector(ledger.app)!.caughtUp();
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'accounts-rebuild-'));
      const rebuilt = await openReadModels({ dataDir, readDbUrl: engine === 'postgres' ? await createTestDatabase(server!.serverUrl) : null });
      const live = await openReadModels(ledger.config);
      try {
        await rebuildReadModels(rebuilt, ledger.app.get(EVENT_STORE), { batchSize: 3, temporalBatchSize: 2 });
        const accounts = async (ds: typeof live) => {
          const dump = await dumpReadModels(ds);
          return { now: dump.rm_account, versions: dump.rm_t_account };
        };
        const expected = await accounts(live);
        expect(expected.now).toHaveLength(2);
        // D1: opened, revoked; D2: opened, granted, closed (a password set opens no version).
        expect(expected.versions).toHaveLength(5);
        expect(await accounts(rebuilt)).toEqual(expected);
      } finally {
        await rebuilt.destroy();
        await live.destroy();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}

asOfQuestion('sqlite', () => startLedger({ engine: 'sqlite' }));
let server: TestPostgres | undefined;
asOfQuestion(
  'postgres',
  async () => {
    server = await startTestPostgres();
    return startLedger({ engine: 'postgres', postgres: server });
  },
  async () => server?.stop(),
);
