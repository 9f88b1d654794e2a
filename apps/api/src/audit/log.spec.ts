import Database from 'better-sqlite3';
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sqliteEventStoreFile } from '@ledger/platform';
import { SHA256, verifyConsistency, verifyInclusion } from '@ledger/integrity';
import { startTestApp, type TestApp } from '../testing/harness';
import { mthSha256 as mth } from '../../../../libs/integrity/src/log/testing/mth-by-definition';

// Independent of the code under test: MTH from the RFC's recursive definition over the stored event hashes.
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

describe('the verifiable log: GET /log/checkpoint, /log/inclusion, /log/consistency, POST /log/witness', () => {
  let t: TestApp;
  const auth = (role: Parameters<TestApp['token']>[0]) => ({ Authorization: `Bearer ${t.token(role, role === 'unit' ? 'u-1' : undefined)}` });
  const storedHashes = (): Buffer[] => {
    const db = new Database(sqliteEventStoreFile(t.config), { readonly: true });
    try {
      return (db.prepare('SELECT stream_hash FROM events ORDER BY position').pluck().all() as Buffer[]).map((b) => Buffer.from(b));
    } finally {
      db.close();
    }
  };
  const append = async (n: number, stream = `item-i-${randomUUID()}`) => {
    for (let i = 0; i < n; i++)
      await t.store.append(
        stream,
        [{ id: randomUUID(), type: 'ProgressReported', schemaVersion: 1, data: { note: `进展${i}` }, metadata: {} }],
        i === 0 ? 'no_stream' : i - 1,
      );
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { LEDGER_SEAL_EVERY: '0' } });
    await append(5, 'item-i-1');
  });
  afterAll(() => t.close());

  it('inspector, discipline, org_dept and the audit administrator read it; others are refused', async () => {
    await t.http.get('/api/v1/log/checkpoint').expect(401);
    for (const role of ['unit', 'sysadmin', 'secadmin'] as const) await t.http.get('/api/v1/log/checkpoint').set(auth(role)).expect(403);
    for (const role of ['inspector', 'discipline', 'org_dept', 'auditadmin'] as const) {
      await t.http.get('/api/v1/log/checkpoint').set(auth(role)).expect(200);
      await t.http.get('/api/v1/log/inclusion?position=1').set(auth(role)).expect(200);
      await t.http.get('/api/v1/log/consistency?from=1&minPosition=1').set(auth(role)).expect(200);
    }
    await t.http.get('/api/v1/log/inclusion?position=1').set(auth('unit')).expect(403);
  });

  it('the checkpoint is the RFC 9162 root over every stored event hash, signed with the seal key over its text', async () => {
    const { body: cp } = await t.http.get('/api/v1/log/checkpoint').set(auth('inspector')).expect(200);
    const leaves = storedHashes();
    expect(cp).toMatchObject({
      treeSize: leaves.length,
      root: mth(leaves).toString('hex'),
      algorithm: 'sha256-ed25519',
      issuedAt: t.clock.now().toISOString(),
      witnesses: [],
    });
    const pub = createPublicKey(fs.readFileSync(path.join(t.config.dataDir, 'seal-key.pub.pem'), 'utf8'));
    const text = `ledger-checkpoint/1\nsha256-ed25519\n${cp.treeSize}\n${cp.root}\n${cp.issuedAt}\n${cp.keyId}\n`;
    expect(verify(null, Buffer.from(text), pub, Buffer.from(cp.signature, 'base64'))).toBe(true);
    expect(verify(null, Buffer.from(text.replace(cp.root, 'f'.repeat(64))), pub, Buffer.from(cp.signature, 'base64'))).toBe(false);
  });

  it('inclusion proofs of every event verify against the checkpoint; consistency proofs link old checkpoints to new ones', async () => {
    const { body: old } = await t.http.get('/api/v1/log/checkpoint').set(auth('inspector')).expect(200);
    await append(6);
    const { body: cp } = await t.http.get('/api/v1/log/checkpoint').set(auth('discipline')).expect(200);
    expect(cp.treeSize).toBe(old.treeSize + 6);
    const leaves = storedHashes();
    for (let p = 1; p <= cp.treeSize; p++) {
      const { body } = await t.http.get(`/api/v1/log/inclusion?position=${p}&treeSize=${cp.treeSize}`).set(auth('inspector')).expect(200);
      expect(body).toMatchObject({ position: String(p), treeSize: cp.treeSize, leafIndex: p - 1, leafHash: sha(Buffer.of(0), leaves[p - 1]).toString('hex') });
      const proof = (body.proof as string[]).map((h) => Buffer.from(h, 'hex'));
      expect(verifyInclusion(SHA256, p - 1, cp.treeSize, Buffer.from(body.leafHash, 'hex'), proof, Buffer.from(cp.root, 'hex'))).toBe(true);
    }
    const { body: c } = await t.http.get(`/api/v1/log/consistency?from=${old.treeSize}&to=${cp.treeSize}`).set(auth('org_dept')).expect(200);
    expect(c).toMatchObject({ from: old.treeSize, to: cp.treeSize });
    const proof = (c.proof as string[]).map((h) => Buffer.from(h, 'hex'));
    expect(verifyConsistency(SHA256, old.treeSize, cp.treeSize, proof, Buffer.from(old.root, 'hex'), Buffer.from(cp.root, 'hex'))).toBe(true);
    expect(
      verifyConsistency(
        SHA256,
        old.treeSize,
        cp.treeSize,
        proof,
        mth([...leaves.slice(0, old.treeSize - 1), sha(Buffer.from('x'))]),
        Buffer.from(cp.root, 'hex'),
      ),
    ).toBe(false);
  });

  it('bad input is a 400 problem, a size beyond the tree a 422, and nothing is written', async () => {
    const { body: cp } = await t.http.get('/api/v1/log/checkpoint').set(auth('inspector')).expect(200);
    for (const q of [
      'inclusion',
      'inclusion?position=abc',
      'inclusion?position=0',
      'inclusion?position=1&treeSize=-1',
      'consistency',
      'consistency?from=x',
      'consistency?from=3&to=2',
      'inclusion?position=1&extra=1',
    ]) {
      const res = await t.http.get(`/api/v1/log/${q}`).set(auth('inspector')).expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    const far = await t.http
      .get(`/api/v1/log/consistency?from=${cp.treeSize + 1}`)
      .set(auth('inspector'))
      .expect(422);
    expect(far.body).toMatchObject({ code: 'TREE_SIZE_TOO_LARGE' });
    await t.http
      .get(`/api/v1/log/inclusion?position=1&treeSize=${cp.treeSize + 1}`)
      .set(auth('inspector'))
      .expect(422);
    await t.http
      .get(`/api/v1/log/inclusion?position=${cp.treeSize + 50}`)
      .set(auth('inspector'))
      .expect(404);
    const again = await t.http.get('/api/v1/log/checkpoint').set(auth('inspector')).expect(200);
    expect(again.body).toEqual(cp);
  });

  it('a witness countersignature that verifies is stored and served with its checkpoint; a forged one is refused', async () => {
    const { body: cp } = await t.http.get('/api/v1/log/checkpoint').set(auth('inspector')).expect(200);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const publicKeyPem = String(publicKey.export({ type: 'spki', format: 'pem' }));
    const keyId = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    const text = `ledger-witness/1\nledger-checkpoint/1\n${cp.algorithm}\n${cp.treeSize}\n${cp.root}\n${cp.issuedAt}\n${cp.keyId}\n`;
    const good = { treeSize: cp.treeSize, keyId, signature: sign(null, Buffer.from(text), privateKey).toString('base64'), publicKey: publicKeyPem };
    const forged = { ...good, signature: sign(null, Buffer.from(text.replace(cp.root, '0'.repeat(64))), privateKey).toString('base64') };
    await t.http.post('/api/v1/log/witness').set(auth('discipline')).send(forged).expect(422);
    await t.http
      .post('/api/v1/log/witness')
      .set(auth('discipline'))
      .send({ ...good, treeSize: cp.treeSize + 99 })
      .expect(404);
    await t.http
      .post('/api/v1/log/witness')
      .set(auth('discipline'))
      .send({ ...good, publicKey: 'nope' })
      .expect(400);
    await t.http.post('/api/v1/log/witness').set(auth('unit')).send(good).expect(403);
    await t.http.post('/api/v1/log/witness').set(auth('auditadmin')).send(good).expect(403);
    expect((await t.http.get('/api/v1/log/checkpoint').set(auth('inspector')).expect(200)).body.witnesses).toEqual([]);
    const res = await t.http.post('/api/v1/log/witness').set(auth('discipline')).send(good).expect(200);
    expect(res.body.witnesses).toEqual([{ keyId, signature: good.signature }]);
    expect((await t.http.get('/api/v1/log/checkpoint').set(auth('inspector')).expect(200)).body.witnesses).toEqual([{ keyId, signature: good.signature }]);
  });
});
