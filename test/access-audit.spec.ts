/**
 * The access audit trail, end to end: a scripted session on the real app leaves
 * exactly the entries written out below by hand; the audit administrator alone reads and exports it;
 * `ledger verify` fails once one entry is altered in the database; retention keeps the chain whole.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import * as ExcelJS from 'exceljs';
import { Client as PgClient } from 'pg';
import { AccessAudit } from '@ledger/integrity';
import { ConfigError, loadConfig } from '@ledger/platform';
import { startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { accountMain } from '../apps/cli/src/accounts/account';
import { exportMain } from '../apps/cli/src/sheets/export';
import { verifyCommand } from '../apps/cli/src/verify';
import { API, startLedger, type Ledger } from './support/ledger';
import { captureOutput } from '@ledger/platform/testing/capture-output';

const binary = (res: NodeJS.ReadableStream, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

/** Runs an SQL statement on the database the trail lives in (SQLite file or the event store's PostgreSQL). */
async function trailSql(ledger: Ledger, sql: string): Promise<void> {
  if (ledger.engine === 'postgres') {
    const c = new PgClient({ connectionString: ledger.config.eventStoreUrl as string });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
    return;
  }
  const db = new Database(path.join(ledger.config.dataDir, 'access-audit.sqlite'));
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

/**
 * Opens the people of a scripted session as accounts with `ledger account add` (in this process): their
 * tokens then act for an account, and only what the trail records for people is in it. A token whose sub
 * names no account is a machine client, every use of it recorded (test/machine-token-audit.spec.ts).
 */
async function openAccounts(ledger: Ledger, accounts: Array<{ id: string; name: string; role: string; unit?: string }>): Promise<void> {
  for (const a of accounts) {
    let said = '';
    const io = { out: (t: string) => void (said += t), err: (t: string) => void (said += t), progress: null, clock: ledger.clock };
    const code = await accountMain(
      ledger.config,
      ['add', '--id', a.id, '--login', a.id.replace(/[^a-z0-9]/g, '.'), '--name', a.name, '--role', a.role, ...(a.unit ? ['--unit', a.unit] : [])],
      io,
    );
    if (code !== 0) throw new Error(`ledger account add ${a.id}: ${said}`);
  }
}

const DROP_TRIGGERS = {
  sqlite: 'DROP TRIGGER access_audit_no_update; DROP TRIGGER access_audit_no_delete;',
  postgres: 'DROP TRIGGER access_audit_append_only ON access_audit',
};

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

describe.each(['sqlite', 'postgres'] as const)('the access audit trail on %s', (engine) => {
  let ledger: Ledger;
  afterAll(async () => {
    await ledger?.close();
  });

  it('records a scripted session exactly, for the audit administrator alone, and ledger verify names an altered entry', async () => {
    ledger = await startLedger({ engine, postgres: pg });
    await openAccounts(ledger, [{ id: 'u-sys0', name: '孙系统', role: 'sysadmin' }]);
    const admin = ledger.as('sysadmin', undefined, { sub: 'u-sys0' });
    await admin.post('/units', { id: 'county', name: '中共湟源县委员会', kind: 'county_committee' }, 201);
    await admin.post('/units', { id: 'dahua', name: '大华镇党委', kind: 'township_committee', parentId: 'county' }, 201);
    await admin.post('/cadres', { id: 'c-dahua', name: '王志刚', unitId: 'dahua', post: '党委书记' }, 201);
    await openAccounts(ledger, [
      { id: 'u-org', name: '李组织', role: 'org_dept' },
      { id: 'u-insp', name: '张督查', role: 'inspector' },
      { id: 'u-disc', name: '赵纪检', role: 'discipline' },
      { id: 'u-dahua', name: '王志刚', role: 'unit', unit: 'dahua' },
      { id: 'u-audit', name: '钱审计', role: 'auditadmin' },
    ]);

    // Day one (09:00 county time, 2026-03-02).
    const org = ledger.as('org_dept', undefined, { sub: 'u-org', name: '李组织' });
    const insp = ledger.as('inspector', undefined, { sub: 'u-insp', name: '张督查' });
    await org.get('/units', 200); // a plain list: not audited
    await org.get('/accountability', 200);
    await insp.get('/cadres/c-dahua/outstanding', 200);
    await insp.get('/items?cadreId=c-dahua', 200);
    await insp.get('/units/county/outstanding?asOf=2026-03-02T09:00:00%2B08:00', 200);
    // Day two.
    ledger.setDay('2026-03-03');
    const disc = ledger.as('discipline', undefined, { sub: 'u-disc', name: '赵纪检' });
    await disc.get('/accountability?format=xlsx', 200);
    await ledger.as('unit', 'dahua', { sub: 'u-dahua', name: '王志刚' }).get('/audit/verify', 403);
    await ledger.http.get(`${API}/units`).set('Authorization', 'Bearer not.a.token').expect(401);

    // Day four: the audit administrator reads the trail.
    ledger.setDay('2026-03-05');
    const auditor = ledger.as('auditadmin', undefined, { sub: 'u-audit', name: '钱审计' });
    const all = (await auditor.get('/audit/access', 200)).body;
    const day1 = '2026-03-02T09:00:00.000+08:00';
    const day2 = '2026-03-03T09:00:00.000+08:00';
    const expected = [
      {
        seq: 1,
        at: day1,
        actor: 'u-org',
        role: 'org_dept',
        name: '李组织',
        address: '127.0.0.1',
        action: 'register-read',
        target: 'GET /api/v1/accountability',
        outcome: 'ok',
        status: 200,
        detail: null,
      },
      {
        seq: 2,
        at: day1,
        actor: 'u-insp',
        role: 'inspector',
        name: '张督查',
        address: '127.0.0.1',
        action: 'cadre-read',
        target: 'GET /api/v1/cadres/c-dahua/outstanding',
        outcome: 'ok',
        status: 200,
        detail: null,
      },
      {
        seq: 3,
        at: day1,
        actor: 'u-insp',
        role: 'inspector',
        name: '张督查',
        address: '127.0.0.1',
        action: 'cadre-read',
        target: 'GET /api/v1/items?cadreId=c-dahua',
        outcome: 'ok',
        status: 200,
        detail: null,
      },
      {
        seq: 4,
        at: day1,
        actor: 'u-insp',
        role: 'inspector',
        name: '张督查',
        address: '127.0.0.1',
        action: 'as-of',
        target: 'GET /api/v1/units/county/outstanding?asOf=2026-03-02T09:00:00+08:00',
        outcome: 'ok',
        status: 200,
        detail: null,
      },
      {
        seq: 5,
        at: day2,
        actor: 'u-disc',
        role: 'discipline',
        name: '赵纪检',
        address: '127.0.0.1',
        action: 'export',
        target: 'GET /api/v1/accountability?format=xlsx',
        outcome: 'ok',
        status: 200,
        detail: null,
      },
      {
        seq: 6,
        at: day2,
        actor: 'u-dahua',
        role: 'unit',
        name: '王志刚',
        address: '127.0.0.1',
        action: 'refused',
        target: 'GET /api/v1/audit/verify',
        outcome: 'refused',
        status: 403,
        detail: { code: 'ROLE_FORBIDDEN', attempted: 'audit-verify', unitId: 'dahua' },
      },
      {
        seq: 7,
        at: day2,
        actor: null,
        role: null,
        name: null,
        address: '127.0.0.1',
        action: 'refused',
        target: 'GET /api/v1/units',
        outcome: 'refused',
        status: 401,
        detail: { code: 'UNAUTHENTICATED' },
      },
    ];
    const strip = (e: Record<string, unknown>) => {
      const { hash, ...rest } = e;
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      return rest;
    };
    expect({ ...all, entries: all.entries.map(strip) }).toEqual({ entries: expected, total: 7, page: 1, pageSize: 100 });

    // By person, by action, by period (county dates, both ends included).
    const seqs = async (query: string) => ((await auditor.get(`/audit/access?${query}`, 200)).body.entries as Array<{ seq: number }>).map((e) => e.seq);
    expect(await seqs('actor=u-insp')).toEqual([2, 3, 4]);
    expect(await seqs('action=export')).toEqual([5]);
    expect(await seqs('from=2026-03-03&to=2026-03-03')).toEqual([5, 6, 7]);
    expect(await seqs('actor=u-insp&from=2026-03-02T09:00:00%2B08:00&to=2026-03-02T09:00:00.001%2B08:00&pageSize=2&page=2')).toEqual([4]);
    // The audit administrator's own reads are in the trail too (seq 8 to 12: the five above).
    expect(await seqs('actor=u-audit&action=audit-read')).toEqual([8, 9, 10, 11, 12]);
    await auditor.get('/audit/access?from=2026-03-04&to=2026-03-03', 400);
    await auditor.get('/audit/access?action=looked', 400);
    await auditor.get('/audit/access?from=2026-02-30', 400);

    // The workbook: every entry of the period, Chinese headers, read back with exceljs.
    const file = await ledger.http
      .get(`${API}/audit/access?format=xlsx&from=2026-03-02&to=2026-03-03`)
      .set('Authorization', `Bearer ${auditor.token}`)
      .buffer(true)
      .parse(binary as never)
      .expect(200);
    expect(file.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.body as unknown as ExcelJS.Buffer);
    const ws = wb.worksheets[0];
    const rows = Array.from({ length: ws.rowCount }, (_, i) => (ws.getRow(i + 1).values as unknown[]).slice(1));
    expect(rows[0]).toEqual(['序号', '时间', '用户', '姓名', '角色', '来源地址', '操作', '操作代码', '访问对象', '结果', '状态码', '说明']);
    expect(rows.slice(1).map((r) => [r[0], r[2] ?? null, r[5], r[6], r[7], r[8], r[9], r[10]])).toEqual([
      [1, 'u-org', '127.0.0.1', '查看问责台账', 'register-read', 'GET /api/v1/accountability', '成功', 200],
      [2, 'u-insp', '127.0.0.1', '查看干部情况', 'cadre-read', 'GET /api/v1/cadres/c-dahua/outstanding', '成功', 200],
      [3, 'u-insp', '127.0.0.1', '查看干部情况', 'cadre-read', 'GET /api/v1/items?cadreId=c-dahua', '成功', 200],
      [4, 'u-insp', '127.0.0.1', '历史时点查询', 'as-of', 'GET /api/v1/units/county/outstanding?asOf=2026-03-02T09:00:00+08:00', '成功', 200],
      [5, 'u-disc', '127.0.0.1', '导出', 'export', 'GET /api/v1/accountability?format=xlsx', '成功', 200],
      [6, 'u-dahua', '127.0.0.1', '拒绝访问', 'refused', 'GET /api/v1/audit/verify', '拒绝', 403],
      [7, null, '127.0.0.1', '拒绝访问', 'refused', 'GET /api/v1/units', '拒绝', 401],
    ]);

    // Nobody else reads it, administrators included; each refusal is itself recorded (these tokens name
    // no account: machine clients, so labelled).
    const others = ['sysadmin', 'secadmin', 'admin', 'org_dept', 'inspector', 'discipline'] as const;
    for (const role of others) await ledger.as(role, undefined, { sub: `u-${role}` }).get('/audit/access', 403);
    await ledger.as('unit', 'dahua', { sub: 'u-dahua' }).get('/audit/access?format=xlsx', 403);
    const refused = (await auditor.get('/audit/access?action=refused&from=2026-03-05', 200)).body.entries as Array<Record<string, unknown>>;
    expect(refused.map((e) => [e.actor, e.role, e.status, e.detail])).toEqual([
      ...others.map((role) => [`u-${role}`, role, 403, { code: 'ROLE_FORBIDDEN', attempted: 'audit-read', machineToken: true }]),
      ['u-dahua', 'unit', 403, { code: 'ROLE_FORBIDDEN', attempted: 'export', unitId: 'dahua' }],
    ]);
    // The audit administrator reads and exports the trail, nothing else.
    for (const route of ['/units', '/accountability', '/cadres/c-dahua/outstanding', '/items', '/audit/verify', '/items/x/proof'])
      await auditor.get(route, 403);
    await auditor.post('/units', { id: 'u-x', name: '某党委', kind: 'township_committee', parentId: 'county' }, 403);
    // The existing ledger verification keeps its roles.
    await insp.get('/audit/verify', 200);

    // ledger verify: green, then exit 1 naming the one entry altered in the database.
    const c = captureOutput();
    try {
      expect(await verifyCommand(ledger.config, {})).toBe(0);
      expect(c.err()).toMatch(/verified \d+ access audit entries/);
      await trailSql(ledger, DROP_TRIGGERS[engine]);
      await trailSql(ledger, "UPDATE access_audit SET actor = 'u-someone-else' WHERE seq = 3");
      expect(await verifyCommand(ledger.config, {})).toBe(1);
      expect(c.err()).toContain('NOT verified: access audit entry 3: hash_mismatch');
      expect(JSON.parse(c.out().slice(c.out().lastIndexOf('\n{\n') + 1))).toMatchObject({
        ok: true,
        accessAudit: { ok: false, firstBreak: { seq: 3, reason: 'hash_mismatch' } },
      });
    } finally {
      c.restore();
    }
  });
});

describe('account and role changes', () => {
  it('are recorded as the requests that made them (the ledger holds the change itself), refused ones too, never the password answered', async () => {
    const ledger = await startLedger({ engine: 'sqlite' });
    try {
      await openAccounts(ledger, [
        { id: 'u-sys', name: '系统管理员', role: 'sysadmin' },
        { id: 'u-sec', name: '安全管理员', role: 'secadmin' },
        { id: 'u-audit', name: '审计管理员', role: 'auditadmin' },
      ]);
      const sys = ledger.as('sysadmin', undefined, { sub: 'u-sys', name: '系统管理员' });
      const opened = await sys.post('/accounts', { id: 'A1', login: 'li.jiwei', name: '李纪委', roles: ['discipline'] }, 201);
      await ledger.as('secadmin', undefined, { sub: 'u-sec' }).post('/accounts/A1/grant', { role: 'inspector' }, 200);
      await ledger.as('org_dept', undefined, { sub: 'u-org' }).post('/accounts/A1/lock', { reason: '离岗' }, 403);
      const entries = (await ledger.as('auditadmin', undefined, { sub: 'u-audit' }).get('/audit/access', 200)).body.entries as Array<Record<string, unknown>>;
      expect(entries.map((e) => [e.seq, e.actor, e.role, e.action, e.target, e.outcome, e.status, e.detail])).toEqual([
        [1, 'u-sys', 'sysadmin', 'account-change', 'POST /api/v1/accounts', 'ok', 201, null],
        [2, 'u-sec', 'secadmin', 'account-change', 'POST /api/v1/accounts/A1/grant', 'ok', 200, null],
        [
          3,
          'u-org',
          'org_dept',
          'refused',
          'POST /api/v1/accounts/A1/lock',
          'refused',
          403,
          { code: 'ROLE_FORBIDDEN', attempted: 'account-change', machineToken: true },
        ],
      ]);
      expect(JSON.stringify(entries)).not.toContain(String(opened.body.initialPassword));
    } finally {
      await ledger.close();
    }
  });
});

describe('the client address', () => {
  const readAs = async (ledger: Ledger, forwardedFor: string) => {
    await ledger.http
      .get(`${API}/accountability`)
      .set('Authorization', `Bearer ${ledger.token({ role: 'org_dept', sub: 'u-org' })}`)
      .set('X-Forwarded-For', forwardedFor)
      .expect(200);
    const entries = (await ledger.as('auditadmin', undefined, { sub: 'u-audit' }).get('/audit/access?action=register-read', 200)).body.entries as Array<{
      address: string;
    }>;
    return entries.map((e) => e.address);
  };

  it("is the socket's: an X-Forwarded-For is not believed unless LEDGER_TRUST_PROXY names the proxy", async () => {
    const ledger = await startLedger({ engine: 'sqlite' });
    try {
      expect(await readAs(ledger, '203.0.113.7')).toEqual(['127.0.0.1']);
    } finally {
      await ledger.close();
    }
  });

  it('is the forwarded one behind a trusted proxy (LEDGER_TRUST_PROXY=loopback)', async () => {
    const ledger = await startLedger({ engine: 'sqlite', env: { LEDGER_TRUST_PROXY: 'loopback' } });
    try {
      expect(await readAs(ledger, '203.0.113.7')).toEqual(['203.0.113.7']);
    } finally {
      await ledger.close();
    }
  });

  it('refuses a LEDGER_TRUST_PROXY that names no proxy', () => {
    expect(() => loadConfig({ LEDGER_TRUST_PROXY: 'everyone' })).toThrow(/LEDGER_TRUST_PROXY=everyone: expected addresses or CIDR ranges/);
    expect(loadConfig({ LEDGER_TRUST_PROXY: '10.0.0.0/8, 192.168.1.10' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.10']);
    expect(loadConfig({}).trustProxy).toBeNull();
  });
});

describe('ledger export on the server', () => {
  it('is an export in the trail too: the operating-system user, the command, the rows', async () => {
    const ledger = await startLedger({ engine: 'sqlite' });
    try {
      const out = path.join(ledger.config.dataDir, '..', `${path.basename(ledger.config.dataDir)}-register.csv`);
      const io = {
        stdout: '',
        stderr: '',
        progress: null,
        clock: ledger.clock,
        out: (t: string) => void (io.stdout += t),
        err: (t: string) => void (io.stderr += t),
      };
      try {
        expect(await exportMain(ledger.config, ['accountability', '--out', out], io)).toBe(0);
      } finally {
        fs.rmSync(out, { force: true });
      }
      const entries = (await ledger.as('auditadmin', undefined, { sub: 'u-audit' }).get('/audit/access', 200)).body.entries as Array<Record<string, unknown>>;
      expect(entries).toEqual([
        {
          seq: 1,
          at: '2026-03-02T09:00:00.000+08:00',
          actor: `cli:${os.userInfo().username}`,
          role: null,
          name: null,
          address: `local:${os.hostname()}`,
          action: 'export',
          target: `ledger export accountability --out ${out}`,
          outcome: 'ok',
          status: null,
          detail: { rows: 0 },
          hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
      ]);
    } finally {
      await ledger.close();
    }
  });
});

describe('an access the trail cannot record', () => {
  it('is not answered: 503 AUDIT_UNAVAILABLE, while requests the trail does not record go on', async () => {
    const ledger = await startLedger({ engine: 'sqlite' });
    try {
      await openAccounts(ledger, [
        { id: 'u-org', name: '李组织', role: 'org_dept' },
        { id: 'u-audit', name: '钱审计', role: 'auditadmin' },
      ]);
      const org = ledger.as('org_dept', undefined, { sub: 'u-org' });
      // The database itself refuses the write (as a full disk or a broken file would).
      await trailSql(ledger, "CREATE TRIGGER refuse_all BEFORE INSERT ON access_audit BEGIN SELECT RAISE(ABORT, 'disk says no'); END;");
      const refused = await org.get('/accountability', 503);
      expect(refused.body).toMatchObject({ code: 'AUDIT_UNAVAILABLE', status: 503 });
      expect(refused.headers['content-type']).toContain('application/problem+json');
      await org.get('/units', 200);
      await trailSql(ledger, 'DROP TRIGGER refuse_all');
      await org.get('/accountability', 200);
      const entries = (await ledger.as('auditadmin', undefined, { sub: 'u-audit' }).get('/audit/access', 200)).body.entries as Array<Record<string, unknown>>;
      expect(entries.map((e) => [e.seq, e.actor, e.action, e.status])).toEqual([[1, 'u-org', 'register-read', 200]]);
    } finally {
      await ledger.close();
    }
  });
});

describe('access audit retention', () => {
  it('refuses a retention under 180 days, naming the variable; 180 and more are taken', () => {
    expect(() => loadConfig({ LEDGER_AUDIT_RETENTION_DAYS: '179' })).toThrow(ConfigError);
    expect(() => loadConfig({ LEDGER_AUDIT_RETENTION_DAYS: '30' })).toThrow(/LEDGER_AUDIT_RETENTION_DAYS=30: the access audit trail is kept at least 180 days/);
    expect(() => loadConfig({ LEDGER_AUDIT_RETENTION_DAYS: 'half a year' })).toThrow(/LEDGER_AUDIT_RETENTION_DAYS=half a year/);
    expect(loadConfig({}).auditRetentionDays).toBe(180);
    expect(loadConfig({ LEDGER_AUDIT_RETENTION_DAYS: '400' }).auditRetentionDays).toBe(400);
  });

  it('prunes entries older than the retention and ledger verify stays green', async () => {
    const ledger = await startLedger({ engine: 'sqlite' });
    try {
      const org = ledger.as('org_dept', undefined, { sub: 'u-org' });
      await org.get('/accountability', 200); // 2026-03-02: seq 1
      await org.get('/accountability?format=csv', 200); // seq 2
      ledger.setDay('2026-06-10');
      await org.get('/accountability', 200); // seq 3, 100 days on
      // 2026-09-01: 183 days after the first two, 83 after the third; retention 180.
      ledger.setDay('2026-09-01');
      const audit = ledger.app.get(AccessAudit);
      expect(await audit.prune()).toEqual({ pruned: 2, through: 2 });
      const auditor = ledger.as('auditadmin', undefined, { sub: 'u-audit' });
      const entries = (await auditor.get('/audit/access', 200)).body.entries as Array<Record<string, unknown>>;
      expect(entries.map((e) => [e.seq, e.action, e.actor])).toEqual([
        [3, 'register-read', 'u-org'],
        [4, 'audit-pruned', 'system'],
      ]);
      expect(entries[1].detail).toMatchObject({ through: 2, count: 2, retentionDays: 180 });
      const c = captureOutput();
      try {
        expect(await verifyCommand(ledger.config, {})).toBe(0);
        expect(c.err()).toContain('verified 3 access audit entries (through entry 5; 2 pruned by retention)');
      } finally {
        c.restore();
      }
    } finally {
      await ledger.close();
    }
  });
});
