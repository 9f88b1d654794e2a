import { randomBytes, verify } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SM2_SCHEME, SM3_HASH } from '../crypto-suite';
import { loadOrCreateSealKey } from '../keys';
import { signCheckpoint } from './checkpoint';
import { logSetup } from './log-setup';
import { LogTreeStore } from './log-tree-store';
import { inclusionPath } from './rfc9162';
import { openSuiteTree, suiteSwitchLeaf, verifySuiteSwitch } from './suite-switch';
import { hashWith, mth } from './testing/mth-by-definition';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const offlineSm2 = require('../../../../packages/ledger-verify/lib/sm2.js') as { sm2Verify(m: Buffer, sig: Buffer, pub: string): boolean };

// The oracle: MTH from RFC 9162's definition, over the given hash.
const cpText = (c: { algorithm: string; treeSize: number; root: string; issuedAt: string; keyId: string }) =>
  `ledger-checkpoint/1\n${c.algorithm}\n${c.treeSize}\n${c.root}\n${c.issuedAt}\n${c.keyId}\n`;
const now = () => new Date('2026-12-05T03:00:00.000Z');

describe('switching suites: the new tree’s first leaf commits to the old root', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suite-switch-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const events = (n: number) => Array.from({ length: n }, (_, i) => ({ position: BigInt(i + 1), leaf: randomBytes(32) }));
  const open = async (env: NodeJS.ProcessEnv) => {
    const setup = logSetup({ dataDir: dir }, loadOrCreateSealKey(path.join(dir, 'seal-key.pem')), env);
    return { setup, ...(await openSuiteTree({ treeFile: setup.treeFile, hash: setup.hash, previous: setup.previous, now })) };
  };

  it('default → sm: the SHA-256 tree is closed with an Ed25519 checkpoint, the SM3 tree starts with a leaf carrying it, and an SM2 checkpoint of the new tree proves it', async () => {
    const log = events(7);
    const first = await open({});
    expect(first.switchedFrom).toBeNull();
    first.tree.append(log.slice(0, 5));
    first.tree.close();

    const sm = await open({ LEDGER_CRYPTO: 'sm' });
    const old = sm.switchedFrom!;
    // The old tree's last checkpoint: its root by definition, signed by the seal key over its text.
    expect(old).toMatchObject({
      algorithm: 'sha256-ed25519',
      treeSize: 5,
      root: mth(
        hashWith('sha256'),
        log.slice(0, 5).map((e) => e.leaf),
      ).toString('hex'),
    });
    const sealPub = loadOrCreateSealKey(path.join(dir, 'seal-key.pem')).publicKey;
    expect(verify(null, Buffer.from(cpText(old)), sealPub, Buffer.from(old.signature, 'base64'))).toBe(true);

    // The new tree: the switch leaf, then every event again.
    sm.tree.append(log);
    const leaf0 = Buffer.concat([Buffer.from('ledger-suite-switch/1\n'), Buffer.from(cpText(old)), Buffer.from(`${old.signature}\n`)]);
    expect(sm.tree.leafByIndex(0)).toEqual({ position: 0n, leaf: leaf0 });
    expect(sm.tree.size).toBe(8);
    expect(sm.tree.root().toString('hex')).toBe(mth(hashWith('sm3'), [leaf0, ...log.map((e) => e.leaf)]).toString('hex'));
    expect(sm.tree.leafAt(3n)?.index).toBe(3);

    const next = signCheckpoint(
      { treeSize: 8, root: sm.tree.root().toString('hex'), issuedAt: now().toISOString(), algorithm: 'sm3-sm2' },
      sm.setup.privateKey,
      SM2_SCHEME,
      sm.setup.publicKey,
    );
    expect(offlineSm2.sm2Verify(Buffer.from(cpText(next)), Buffer.from(next.signature, 'base64'), sm.setup.publicKeyText)).toBe(true);
    const path0 = inclusionPath(sm.tree, 0, 8);
    expect(verifySuiteSwitch(next, SM3_HASH, leaf0, path0, sealPub)).toEqual({ ok: true, previous: expect.objectContaining({ treeSize: 5, root: old.root }) });

    // Refused: a leaf naming another old root, an old checkpoint not signed by the old key, a path for another leaf.
    expect(verifySuiteSwitch(next, SM3_HASH, suiteSwitchLeaf({ ...old, root: 'ab'.repeat(32) }), path0, sealPub)).toEqual({
      ok: false,
      reason: expect.stringMatching(/not signed by the old key/),
    });
    const stranger = loadOrCreateSealKey(path.join(dir, 'other', 'k.pem')).publicKey;
    expect(verifySuiteSwitch(next, SM3_HASH, leaf0, path0, stranger)).toEqual({ ok: false, reason: expect.stringMatching(/not signed by the old key/) });
    expect(verifySuiteSwitch(next, SM3_HASH, leaf0, inclusionPath(sm.tree, 1, 8), sealPub)).toEqual({
      ok: false,
      reason: expect.stringMatching(/inclusion proof fails/),
    });
    expect(verifySuiteSwitch(next, SM3_HASH, log[0].leaf, path0, sealPub)).toEqual({ ok: false, reason: 'leaf 0 is not a suite-switch leaf' });
    sm.tree.close();

    // The old file keeps its last checkpoint; a restart does not switch twice.
    const oldTree = new LogTreeStore(path.join(dir, 'log-tree.sqlite'));
    expect(oldTree.newestCheckpoint()).toMatchObject({ treeSize: 5, root: old.root, signature: old.signature });
    oldTree.close();
    const again = await open({ LEDGER_CRYPTO: 'sm' });
    expect(again.switchedFrom).toBeNull();
    expect(again.tree.size).toBe(8);
    again.tree.close();
  });

  it('a ledger that starts with sm has no switch leaf; sm → default then commits the SHA-256 tree to the SM2-signed SM3 root', async () => {
    const log = events(3);
    const sm = await open({ LEDGER_CRYPTO: 'sm' });
    expect(sm.switchedFrom).toBeNull();
    sm.tree.append(log);
    expect(sm.tree.leafAt(1n)?.index).toBe(0);
    sm.tree.close();

    const back = await open({});
    const old = back.switchedFrom!;
    expect(old).toMatchObject({
      algorithm: 'sm3-sm2',
      treeSize: 3,
      root: mth(
        hashWith('sm3'),
        log.map((e) => e.leaf),
      ).toString('hex'),
    });
    const smPub = (JSON.parse(fs.readFileSync(path.join(dir, 'log-key-sm2.json'), 'utf8')) as { publicKey: string }).publicKey;
    expect(offlineSm2.sm2Verify(Buffer.from(cpText(old)), Buffer.from(old.signature, 'base64'), smPub)).toBe(true);
    back.tree.append(log);
    const next = signCheckpoint({ treeSize: 4, root: back.tree.root().toString('hex'), issuedAt: now().toISOString() }, back.setup.privateKey);
    expect(verifySuiteSwitch(next, back.setup.hash, suiteSwitchLeaf(old), inclusionPath(back.tree, 0, 4), smPub).ok).toBe(true);
    back.tree.close();
  });
});
