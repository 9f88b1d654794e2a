import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { sqliteEventStoreFile } from '@ledger/platform';
import { loadOrCreateSealKey, logSetup } from '@ledger/integrity';
import { startOpensslTsa, type OpensslTsa } from '@ledger/integrity/timestamp/openssl-tsa';
import { startTestApp, type TestApp } from '../testing/harness';
import { mth } from '../../../../libs/integrity/src/log/testing/mth-by-definition';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../../..');
const VERIFY = path.join(ROOT, 'packages/ledger-verify/bin/ledger-verify.js');

// Independent of the server's code: the offline verifier's own SM2 and RFC 3161 checks, and MTH by its definition.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const offlineSm2 = require('../../../../packages/ledger-verify/lib/sm2.js') as { sm2Verify(m: Buffer, sig: Buffer, pub: string): boolean };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const offlineTsa = require('../../../../packages/ledger-verify/lib/rfc3161.js') as {
  verifyTimestamp(token: Buffer, data: Buffer, cert: string): { ok: boolean; reason?: string; genTime?: string };
};
const text = (cp: { algorithm: string; treeSize: number; root: string; issuedAt: string; keyId: string }) =>
  Buffer.from(`ledger-checkpoint/1\n${cp.algorithm}\n${cp.treeSize}\n${cp.root}\n${cp.issuedAt}\n${cp.keyId}\n`);

function storedHashes(t: TestApp): Buffer[] {
  const db = new Database(sqliteEventStoreFile(t.config), { readonly: true });
  try {
    return (db.prepare('SELECT stream_hash FROM events ORDER BY position').pluck().all() as Buffer[]).map((b) => Buffer.from(b));
  } finally {
    db.close();
  }
}

async function progress(t: TestApp, item: string, n: number): Promise<void> {
  const existing = (await t.store.readStream(`item-${item}`)).length;
  for (let i = 0; i < n; i++) {
    const r = existing + i;
    await t.store.append(
      `item-${item}`,
      [{ id: randomUUID(), type: 'ProgressReported', schemaVersion: 1, data: { itemId: item, note: `进展${r}` }, metadata: {} }],
      r === 0 ? 'no_stream' : r - 1,
    );
  }
}

async function ledgerVerify(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run('node', [VERIFY, ...args], { cwd: ROOT });
    return { code: 0, stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout + err.stderr };
  }
}

describe('trusted time: RFC 3161 tokens on checkpoints (LEDGER_TSA_URL, a real responder on 127.0.0.1)', () => {
  let t: TestApp;
  let tsa: OpensslTsa;
  let other: OpensslTsa;
  let dir: string;
  const inspector = () => ({ Authorization: `Bearer ${t.token('inspector')}` });
  const checkpoint = async () => (await t.http.get('/api/v1/log/checkpoint').set(inspector()).expect(200)).body;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-tsa-'));
    tsa = await startOpensslTsa(path.join(dir, 'tsa'));
    other = await startOpensslTsa(path.join(dir, 'other'), { name: 'Other TSA', keyType: 'ec' });
    t = await startTestApp({ env: { LEDGER_SEAL_EVERY: '0', LEDGER_TSA_URL: tsa.url, LEDGER_TSA_CERT: tsa.certificateFile } });
    await progress(t, 'i-1', 3);
  });
  afterAll(async () => {
    await t.close();
    await tsa.stop();
    await other.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  let first: { treeSize: number; timestamp: string; algorithm: string; root: string; issuedAt: string; keyId: string };
  let third: typeof first;

  it('a checkpoint carries a token that stamps exactly its signed text', async () => {
    first = await checkpoint();
    expect(first).toMatchObject({ treeSize: 3, algorithm: 'sha256-ed25519', timestamp: expect.any(String) });
    const r = offlineTsa.verifyTimestamp(Buffer.from(first.timestamp, 'base64'), text(first), tsa.certificatePem);
    expect(r).toMatchObject({ ok: true });
    expect(offlineTsa.verifyTimestamp(Buffer.from(first.timestamp, 'base64'), text({ ...first, treeSize: 4 }), tsa.certificatePem)).toMatchObject({
      ok: false,
    });
  });

  it('with the authority down the ledger goes on: the checkpoint is issued without a token, and a later one gets it', async () => {
    await tsa.stop();
    await progress(t, 'i-1', 2);
    const second = await checkpoint();
    expect(second.treeSize).toBe(5);
    expect(second.timestamp).toBeUndefined();
    await tsa.start();
    await progress(t, 'i-1', 1);
    third = await checkpoint();
    expect(third.treeSize).toBe(6);
    expect(offlineTsa.verifyTimestamp(Buffer.from(third.timestamp, 'base64'), text(third), tsa.certificatePem)).toMatchObject({ ok: true });
  });

  it('an item proof states, per event, the first timestamped checkpoint holding it; ledger-verify --tsa-cert checks each and refuses a moved or foreign token', async () => {
    const { body: proof } = await t.http.get('/api/v1/items/i-1/proof').set(inspector()).expect(200);
    const sizes = proof.log.timestamps.map((x: { position: string; checkpoint: { treeSize: number } }) => [x.position, x.checkpoint.treeSize]);
    // Events 1-3 were stamped with the first checkpoint; 4-5 missed the one issued while the TSA was down, so the third holds them.
    expect(sizes).toEqual([
      ['1', 3],
      ['2', 3],
      ['3', 3],
      ['4', 6],
      ['5', 6],
      ['6', 6],
    ]);
    const file = path.join(dir, 'proof.json');
    fs.writeFileSync(file, JSON.stringify(proof));
    const certFile = tsa.certificateFile;

    const ok = await ledgerVerify([file, '--tsa-cert', certFile]);
    expect(ok.code).toBe(0);
    const gen3 = offlineTsa.verifyTimestamp(Buffer.from(third.timestamp, 'base64'), text(third), tsa.certificatePem).genTime;
    expect(ok.stdout).toContain(`timestamped: the event at position 4 existed by ${gen3} (checkpoint of 6 events)`);
    expect(ok.stdout).toMatch(/^verified: item-i-1, 6 event\(s\)/m);

    const unchecked = await ledgerVerify([file]);
    expect(unchecked).toMatchObject({ code: 0, stdout: expect.stringMatching(/timestamps, not checked: give --tsa-cert/) });

    const foreign = await ledgerVerify([file, '--tsa-cert', other.certificateFile]);
    expect(foreign).toMatchObject({ code: 1, stdout: expect.stringMatching(/NOT verified at item-i-1 revision 0 .*another certificate/) });

    const moved = structuredClone(proof);
    moved.log.timestamps[3].checkpoint.timestamp = first.timestamp;
    fs.writeFileSync(file, JSON.stringify(moved));
    expect(await ledgerVerify([file, '--tsa-cert', certFile])).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/NOT verified at item-i-1 revision 3 .*for other data/),
    });

    const flipped = structuredClone(proof);
    const token = Buffer.from(flipped.log.timestamps[0].checkpoint.timestamp, 'base64');
    token[token.length - 1] ^= 1;
    flipped.log.timestamps[0].checkpoint.timestamp = token.toString('base64');
    fs.writeFileSync(file, JSON.stringify(flipped));
    expect(await ledgerVerify([file, '--tsa-cert', certFile])).toMatchObject({ code: 1, stdout: expect.stringMatching(/signature does not verify/) });
  });

  it('LEDGER_TSA_URL without LEDGER_TSA_CERT is refused at start, naming the variable', () => {
    expect(() => logSetup({ dataDir: dir }, loadOrCreateSealKey(path.join(dir, 'k.pem')), { LEDGER_TSA_URL: tsa.url })).toThrow(/LEDGER_TSA_CERT/);
  });
});

describe('LEDGER_CRYPTO=sm: an SM3 tree and SM2-signed checkpoints, checked offline', () => {
  let t: TestApp;
  let dir: string;
  const inspector = () => ({ Authorization: `Bearer ${t.token('inspector')}` });
  const sm3 = (b: Buffer) => createHash('sm3').update(b).digest();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-sm-'));
    t = await startTestApp({ env: { LEDGER_SEAL_EVERY: '0', LEDGER_CRYPTO: 'sm' } });
    await progress(t, 'i-9', 4);
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the checkpoint records sm3-sm2, its root is the SM3 RFC 9162 root, its signature standard SM2 by the key in the data folder', async () => {
    const { body: cp } = await t.http.get('/api/v1/log/checkpoint').set(inspector()).expect(200);
    const leaves = storedHashes(t);
    const key = JSON.parse(fs.readFileSync(path.join(t.config.dataDir, 'log-key-sm2.json'), 'utf8')) as { publicKey: string };
    expect(cp).toMatchObject({
      algorithm: 'sm3-sm2',
      treeSize: leaves.length,
      root: mth(sm3, leaves).toString('hex'),
      keyId: sm3(Buffer.from(key.publicKey, 'hex')).toString('hex'),
    });
    expect(offlineSm2.sm2Verify(text(cp), Buffer.from(cp.signature, 'base64'), key.publicKey)).toBe(true);
    expect(offlineSm2.sm2Verify(text({ ...cp, root: 'f'.repeat(64) }), Buffer.from(cp.signature, 'base64'), key.publicKey)).toBe(false);
    expect(fs.existsSync(path.join(t.config.dataDir, 'log-tree-sm3.sqlite'))).toBe(true);
    expect(fs.existsSync(path.join(t.config.dataDir, 'log-tree.sqlite'))).toBe(false);

    const keyFile = path.join(dir, 'log-key.pub');
    fs.writeFileSync(keyFile, `${key.publicKey}\n`);
    const cpFile = path.join(dir, 'checkpoint.json');
    fs.writeFileSync(cpFile, JSON.stringify(cp));
    expect(await ledgerVerify([cpFile, '--key', keyFile])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^verified: checkpoint of \d+ events/) });
    fs.writeFileSync(cpFile, JSON.stringify({ ...cp, treeSize: cp.treeSize - 1 }));
    expect(await ledgerVerify([cpFile, '--key', keyFile])).toMatchObject({ code: 1, stdout: expect.stringMatching(/checkpoint signature is not valid/) });
  });

  it('an item proof carries the SM2 key and SM3 inclusion proofs that ledger-verify accepts; a bent path is refused', async () => {
    const { body: proof } = await t.http.get('/api/v1/items/i-9/proof').set(inspector()).expect(200);
    expect(proof.log).toMatchObject({ checkpoint: { algorithm: 'sm3-sm2' }, publicKey: expect.stringMatching(/^04[0-9a-f]{128}$/) });
    const file = path.join(dir, 'proof.json');
    fs.writeFileSync(file, JSON.stringify(proof));
    expect(await ledgerVerify([file])).toMatchObject({ code: 0, stdout: expect.stringMatching(/in the log: every event is in the signed tree of \d+ events/) });
    const bent = structuredClone(proof);
    bent.log.inclusions[2].proof[0] = bent.log.inclusions[2].proof[0].replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    fs.writeFileSync(file, JSON.stringify(bent));
    expect(await ledgerVerify([file])).toMatchObject({ code: 1, stdout: expect.stringMatching(/NOT verified at item-i-9 revision 2 .*inclusion proof fails/) });
  });

  it('LEDGER_CRYPTO other than default or sm is refused at start, naming the variable', () => {
    expect(() => logSetup({ dataDir: dir }, loadOrCreateSealKey(path.join(dir, 'k.pem')), { LEDGER_CRYPTO: 'rsa' })).toThrow(/LEDGER_CRYPTO=rsa/);
  });
});
