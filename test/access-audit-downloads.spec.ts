/**
 * The access audit trail records the downloads and administrator reads that were once left out (evidence
 * files, the bulletin in every format, the notifier's dead letters and their replay), and an answer whose
 * entry cannot be written is refused before a byte of the file goes out: a file whose every byte (and a
 * Content-Length) reached the client before the connection was cut would be a download the trail lacks.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { accountMain } from '../apps/cli/src/accounts/account';
import { insertDeadLetter } from './support/dead-letter';
import { API, startLedger, type Ledger } from './support/ledger';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('黄茂村党员活动室照片', 'utf8')]);
const PNG_SHA = createHash('sha256').update(PNG).digest('hex');
const DEAD_ID = '0a1b2c3d-0000-4000-8000-00000000dead';

const binary = (res: NodeJS.ReadableStream, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('downloads and administrator reads in the access audit trail', () => {
  let ledger: Ledger;
  const bearer: Record<string, string> = {};

  const trailSql = (sql: string) => {
    const db = new Database(path.join(ledger.config.dataDir, 'access-audit.sqlite'));
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  };
  const entries = async () =>
    (await ledger.as('auditadmin', undefined, { sub: 'u-audit' }).get('/audit/access?pageSize=500', 200)).body.entries as Array<Record<string, unknown>>;
  /** A raw request (no minPosition added, the body kept as bytes whatever its type). */
  const fetch = (method: 'get' | 'post', route: string, who: string) =>
    ledger.http[method](`${API}${route}`)
      .set('Authorization', `Bearer ${bearer[who]}`)
      .buffer(true)
      .parse(binary as never);

  beforeAll(async () => {
    ledger = await startLedger({ engine: 'sqlite' });
    const accounts = [
      { id: 'u-sys', role: 'sysadmin' },
      { id: 'u-org', role: 'org_dept' },
      { id: 'u-dahua', role: 'unit', unit: 'dahua' },
      { id: 'u-audit', role: 'auditadmin' },
    ];
    const open = async (a: { id: string; role: string; unit?: string }) => {
      let said = '';
      const io = { out: (t: string) => void (said += t), err: (t: string) => void (said += t), progress: null, clock: ledger.clock };
      const args = ['add', '--id', a.id, '--login', a.id.replace('-', '.'), '--name', a.id, '--role', a.role, ...(a.unit ? ['--unit', a.unit] : [])];
      if ((await accountMain(ledger.config, args, io)) !== 0) throw new Error(`ledger account add ${a.id}: ${said}`);
    };
    await open(accounts[0]);
    const sys = ledger.as('sysadmin', undefined, { sub: 'u-sys' });
    await sys.post('/units', { id: 'county', name: '中共湟源县委员会', kind: 'county_committee' }, 201);
    await sys.post('/units', { id: 'dahua', name: '大华镇党委', kind: 'township_committee', parentId: 'county' }, 201);
    await sys.post('/cadres', { id: 'c-zw', name: '张伟', unitId: 'dahua', post: '党委书记' }, 201);
    for (const a of accounts.slice(1)) await open(a);
    bearer.sys = sys.token;
    const org = ledger.as('org_dept', undefined, { sub: 'u-org' });
    bearer.org = org.token;
    const dahua = ledger.as('unit', 'dahua', { sub: 'u-dahua' });
    bearer.dahua = dahua.token;
    await org.post('/sheets', { id: 's1', number: '源组交〔2026〕1号', title: '基层党建重点任务交办单', issuedOn: '2026-03-02' }, 201);
    await org.post('/items', { id: 'i1', sheetId: 's1', title: '规范村级组织活动场所', unitId: 'dahua', cadreId: 'c-zw', dueDate: '2026-04-30' }, 201);
    await ledger.http
      .post(`${API}/evidence`)
      .set('Authorization', `Bearer ${bearer.dahua}`)
      .attach('file', PNG, { filename: '活动室.png', contentType: 'image/png' })
      .expect(201);
    await dahua.post('/items/i1/progress', { note: '已整改', evidence: [{ name: '活动室.png', size: PNG.length, sha256: PNG_SHA }] }, 200);
    await org.get('/items/i1', 200);
    await insertDeadLetter(ledger, DEAD_ID);
  }, 60_000);
  afterAll(async () => {
    await ledger?.close();
  });

  const cases = [
    { name: 'an evidence file', who: 'dahua', method: 'get', route: `/items/i1/evidence/${PNG_SHA}`, action: 'evidence-download', holds: PNG },
    { name: 'the bulletin as .docx', who: 'org', method: 'get', route: '/bulletins/2026-03', action: 'bulletin', holds: Buffer.from('PK') },
    { name: 'the bulletin as .xlsx', who: 'org', method: 'get', route: '/bulletins/2026-03?format=xlsx', action: 'bulletin', holds: Buffer.from('PK') },
    { name: 'the bulletin as JSON', who: 'org', method: 'get', route: '/bulletins/2026-03?format=json', action: 'bulletin', holds: Buffer.from('"county"') },
    { name: 'the dead-letter list', who: 'sys', method: 'get', route: '/notifications/dead-letters', action: 'dead-letter-read', holds: Buffer.from(DEAD_ID) },
  ] as const;

  it.each(cases)('$name: recorded as $action, with who and what', async ({ who, method, route, action, holds }) => {
    const before = (await entries()).length;
    const res = await fetch(method, route, who);
    expect([res.status, res.status === 200 ? '' : (res.body as Buffer).toString('utf8')]).toEqual([200, '']);
    expect((res.body as Buffer).includes(holds)).toBe(true);
    const added = (await entries()).slice(before).filter((e) => e.action !== 'audit-read');
    expect(added.map((e) => [e.actor, e.action, e.target, e.outcome, e.status])).toEqual([
      [`u-${who}`, action, `${method.toUpperCase()} ${API}${route}`, 'ok', 200],
    ]);
  });

  it.each(cases)('$name: not answered when its entry cannot be written (503, no byte of it)', async ({ who, method, route, holds }) => {
    trailSql("CREATE TRIGGER refuse_all BEFORE INSERT ON access_audit BEGIN SELECT RAISE(ABORT, 'disk says no'); END;");
    try {
      const res = await fetch(method, route, who);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(JSON.parse((res.body as Buffer).toString('utf8'))).toMatchObject({ status: 503, code: 'AUDIT_UNAVAILABLE' });
      expect((res.body as Buffer).includes(holds)).toBe(false);
    } finally {
      trailSql('DROP TRIGGER refuse_all');
    }
  });

  it('a dead letter replayed by the administrator: recorded as dead-letter-replay', async () => {
    const before = (await entries()).length;
    const res = await fetch('post', `/notifications/${DEAD_ID}/replay`, 'sys');
    expect(res.status).toBe(202);
    const added = (await entries()).slice(before).filter((e) => e.action !== 'audit-read');
    expect(added.map((e) => [e.actor, e.action, e.target, e.outcome, e.status])).toEqual([
      ['u-sys', 'dead-letter-replay', `POST ${API}/notifications/${DEAD_ID}/replay`, 'ok', 202],
    ]);
  });
});
