import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LedgerSealer, integrityConfig, loadOrCreateSealKey } from '@ledger/integrity';
import { loadConfig, openEventStore, sqliteEventStoreFile } from '@ledger/platform';
import { startTestApp, type TestApp } from '../testing/harness';
import { AuditService } from './audit.service';

/**
 * A store edited behind the ledger's back after its newest seal: the API that starts on it says so
 * (readiness, /audit/verify) and, under LEDGER_ON_TAMPER=refuse-writes (the default), writes nothing.
 */
describe('a tampered store is not served silently', () => {
  const dirs: string[] = [];
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const t of apps) await t.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** Positions 1–4 on item-t-1, the seal at 5, then 6–7: returns the data folder. */
  async function sealedLedger(): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-tampered-'));
    dirs.push(dir);
    const config = loadConfig({ LEDGER_DATA_DIR: dir, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL' });
    const store = await openEventStore(config);
    const add = (i: number) =>
      store.append(
        'item-t-1',
        [{ id: randomUUID(), type: 'ProgressReported', schemaVersion: 1, data: { itemId: 't-1', note: `进展${i}` }, metadata: {} }],
        i === 0 ? 'no_stream' : i - 1,
      );
    for (let i = 0; i < 4; i++) await add(i);
    const sealer = new LedgerSealer(store, loadOrCreateSealKey(integrityConfig(config, {}).sealKeyFile), { every: 0 });
    expect((await sealer.seal())?.event.position).toBe(5n);
    await sealer.stop();
    for (let i = 4; i < 6; i++) await add(i);
    await store.close();
    return dir;
  }

  /** What a tamperer with the file does: one note changed, its hashes left as they were. */
  function tamper(dir: string, position: number): void {
    const db = new Database(sqliteEventStoreFile({ dataDir: dir }));
    try {
      const row = db.prepare('SELECT data FROM events WHERE position = ?').get(position) as { data: string };
      const changed = row.data.replace(/进展\d/, '进展9');
      expect(changed).not.toBe(row.data);
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(changed, position);
    } finally {
      db.close();
    }
  }

  async function start(dir: string, env: NodeJS.ProcessEnv = {}): Promise<TestApp> {
    const t = await startTestApp({ env: { LEDGER_DATA_DIR: dir, LEDGER_SEAL_EVERY: '0', ...env } });
    apps.push(t);
    return t;
  }

  const unit = (id: string) => ({ id, name: `县委${id}`, kind: 'county_committee' });

  it('refuse-writes (the default): readiness 503 naming the break, /audit/verify names it, writes 503 and nothing appended, reads go on', async () => {
    const dir = await sealedLedger();
    tamper(dir, 6);
    const t = await start(dir);

    const ready = await t.http.get('/health/ready').expect(503);
    expect(ready.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(ready.body).toMatchObject({
      code: 'LEDGER_TAMPERED',
      onTamper: 'refuse-writes',
      firstBreak: { stream: 'item-t-1', revision: 4, position: '6', reason: 'stream_hash_mismatch' },
    });
    expect(ready.body.detail).toMatch(/broken at position 6 \(item-t-1#4\).*writes are refused/);

    const verify = await t.http
      .get('/api/v1/audit/verify')
      .set('Authorization', `Bearer ${t.token('inspector')}`)
      .expect(200);
    expect(verify.body).toMatchObject({ ok: false, firstBreak: { stream: 'item-t-1', revision: 4, position: '6' } });

    const head = await t.store.headPosition();
    const refused = await t.http
      .post('/api/v1/units')
      .set('Authorization', `Bearer ${t.token('admin')}`)
      .send(unit('c1'))
      .expect(503);
    expect(refused.body).toMatchObject({ code: 'LEDGER_TAMPERED', firstBreak: { position: '6' } });
    expect(await t.store.headPosition()).toBe(head);

    await t.http
      .get('/api/v1/units')
      .set('Authorization', `Bearer ${t.token('org_dept')}`)
      .expect(200);
    await t.http.get('/health/live').expect(200);
  });

  it('warn: writes go on, readiness still says the service is degraded', async () => {
    const dir = await sealedLedger();
    tamper(dir, 7);
    const t = await start(dir, { LEDGER_ON_TAMPER: 'warn' });
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const ready = await t.http.get('/health/ready').expect(503);
      expect(ready.body).toMatchObject({ code: 'LEDGER_TAMPERED', onTamper: 'warn', firstBreak: { position: '7' } });
      expect(ready.body.detail).toMatch(/writes continue/);
      const res = await t.http
        .post('/api/v1/units')
        .set('Authorization', `Bearer ${t.token('admin')}`)
        .send(unit('c2'))
        .expect(201);
      expect(res.body.position).toBe('8');
      expect(errors.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(
        /LEDGER TAMPERED \(LEDGER_ON_TAMPER=warn\): writing although the chain is broken at position 7/,
      );
    } finally {
      errors.mockRestore();
    }
  });

  it('an untouched store: ready, and writes are taken', async () => {
    const t = await start(await sealedLedger());
    await t.http.get('/health/ready').expect(200);
    await t.http
      .post('/api/v1/units')
      .set('Authorization', `Bearer ${t.token('admin')}`)
      .send(unit('c3'))
      .expect(201);
  });

  it('a break that arrives while the API runs (a row written behind the store) degrades it as soon as the sealer follows it', async () => {
    const dir = await sealedLedger();
    const t = await start(dir);
    await t.http.get('/health/ready').expect(200);
    const db = new Database(sqliteEventStoreFile({ dataDir: dir }));
    try {
      // A forged event: its hashes are not those of the chain (the tamperer has no way to make them right and seal them).
      db.prepare(
        'INSERT INTO events (position, id, stream, revision, type, schema_version, data, metadata, recorded_at, stream_hash, global_hash) VALUES (8, ?, ?, 0, ?, 1, ?, ?, ?, ?, ?)',
      ).run(
        randomUUID(),
        'item-forged',
        'ProgressReported',
        '{"note":"伪造"}',
        '{}',
        '2026-03-02T09:00:00.000+08:00',
        Buffer.alloc(32, 1),
        Buffer.alloc(32, 2),
      );
    } finally {
      db.close();
    }
    const until = Date.now() + 30_000;
    let last: { status: number; body: Record<string, unknown> } = { status: 0, body: {} };
    while (Date.now() < until) {
      last = await t.http.get('/health/ready');
      if (last.status === 503) break;
    }
    expect(last.body).toMatchObject({ code: 'LEDGER_TAMPERED', firstBreak: { stream: 'item-forged', position: '8', reason: 'stream_hash_mismatch' } });
    await t.http
      .post('/api/v1/units')
      .set('Authorization', `Bearer ${t.token('admin')}`)
      .send(unit('c4'))
      .expect(503);
  });

  it('a row edited after the sealer walked it: the next seal reads it back, refuses, and the API degrades', async () => {
    const dir = await sealedLedger();
    const t = await start(dir);
    await t.http.get('/health/ready').expect(200);
    await t.app.get(AuditService).sealer.caughtUp();
    tamper(dir, 6);
    // A proof of item t-1 (head at 7, the seal covers 4) seals first, on demand.
    const proof = await t.http
      .get('/api/v1/items/t-1/proof')
      .set('Authorization', `Bearer ${t.token('inspector')}`)
      .expect(409);
    expect(proof.body).toMatchObject({
      code: 'LEDGER_CHAIN_BROKEN',
      firstBreak: { stream: 'item-t-1', revision: 4, position: '6', reason: 'stream_hash_mismatch' },
    });
    const ready = await t.http.get('/health/ready').expect(503);
    expect(ready.body).toMatchObject({ code: 'LEDGER_TAMPERED', firstBreak: { position: '6', detail: expect.stringMatching(/read back before sealing/) } });
    await t.http
      .post('/api/v1/units')
      .set('Authorization', `Bearer ${t.token('admin')}`)
      .send(unit('c5'))
      .expect(503);
  });
});
