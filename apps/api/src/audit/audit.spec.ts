import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { sqliteEventStoreFile } from '@ledger/platform';
import { startTestApp, type TestApp } from '../testing/harness';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../../..');

describe('audit routes: GET /audit/verify and GET /items/:id/proof', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LEDGER_SEAL_EVERY: '0' } });
    for (let i = 0; i < 3; i++) {
      await t.store.append(
        'item-i-1',
        [{ id: randomUUID(), type: 'ProgressReported', schemaVersion: 1, data: { itemId: 'i-1', note: `进展${i}` }, metadata: {} }],
        i === 0 ? 'no_stream' : i - 1,
      );
    }
  });
  afterAll(() => t.close());

  it('the sealing key is generated outside the database, private part mode 0600, public key beside it', () => {
    const file = path.join(t.config.dataDir, 'seal-key.pem');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(t.config.dataDir, 'seal-key.pub.pem'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('verify: inspectors and the discipline commission only', async () => {
    await t.http.get('/api/v1/audit/verify').expect(401);
    for (const role of ['unit', 'org_dept', 'admin'] as const) {
      await t.http
        .get('/api/v1/audit/verify')
        .set('Authorization', `Bearer ${t.token(role, 'u-1')}`)
        .expect(403);
    }
    const res = await t.http
      .get('/api/v1/audit/verify')
      .set('Authorization', `Bearer ${t.token('discipline')}`)
      .expect(200);
    expect(res.body).toMatchObject({ ok: true, checked: Number(await t.store.headPosition()), seals: 0 });
  });

  it('proof: seals on demand, and the standalone verifier accepts it', async () => {
    await t.http
      .get('/api/v1/items/i-1/proof')
      .set('Authorization', `Bearer ${t.token('unit', 'u-1')}`)
      .expect(403);
    await t.http
      .get('/api/v1/items/nope/proof')
      .set('Authorization', `Bearer ${t.token('inspector')}`)
      .expect(404);
    const res = await t.http
      .get('/api/v1/items/i-1/proof')
      .set('Authorization', `Bearer ${t.token('inspector')}`)
      .expect(200);
    expect(res.body).toMatchObject({ format: 'ledger-proof/1', stream: 'item-i-1', head: { revision: 2 }, unsealedEvents: 0 });
    const file = path.join(t.config.dataDir, 'proof.json');
    fs.writeFileSync(file, JSON.stringify(res.body));
    const { stdout } = await run('npx', ['ledger-verify', file, '--key', path.join(t.config.dataDir, 'seal-key.pub.pem')], { cwd: ROOT });
    expect(stdout).toMatch(/^verified: item-i-1, 3 event\(s\)/);
    expect(stdout).toMatch(/in the log: every event is in the signed tree of \d+ events/);
    expect(res.body.log.inclusions.map((i: { position: string }) => i.position)).toEqual(res.body.events.map((e: { position: string }) => e.position));
    // An inclusion path that does not lead to the checkpoint's root is refused.
    const bent = structuredClone(res.body);
    bent.log.inclusions[1].proof[0] = bent.log.inclusions[1].proof[0].replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    fs.writeFileSync(file, JSON.stringify(bent));
    const refused = await run('npx', ['ledger-verify', file], { cwd: ROOT }).catch((e: { code: number; stdout: string }) => e);
    expect(refused).toMatchObject({ code: 1, stdout: expect.stringMatching(/NOT verified at item-i-1 revision 1 .*inclusion proof fails/) });
    const verify = await t.http
      .get('/api/v1/audit/verify')
      .set('Authorization', `Bearer ${t.token('inspector')}`)
      .expect(200);
    expect(verify.body).toMatchObject({ ok: true, seals: 1 });
  });

  it('verify names the first broken link after the database was edited behind the store', async () => {
    const db = new Database(sqliteEventStoreFile(t.config));
    try {
      const row = db.prepare("SELECT position, data FROM events WHERE stream = 'item-i-1' AND revision = 1").get() as { position: number; data: string };
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(row.data.replace('进展1', '进展9'), row.position);
      const res = await t.http
        .get('/api/v1/audit/verify')
        .set('Authorization', `Bearer ${t.token('inspector')}`)
        .expect(200);
      expect(res.body).toMatchObject({
        ok: false,
        firstBreak: { stream: 'item-i-1', revision: 1, position: String(row.position), reason: 'stream_hash_mismatch' },
      });
    } finally {
      db.close();
    }
  });
});
