import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sm3 as keptSm3 } from 'sm-crypto';
import { ed25519SuiteKey, loadOrCreateSuiteKey, sm2SuiteKey, sm3, suiteFromEnv, verifySuiteSignature } from './crypto-suite';

/** The offline verifier's SM2 (packages/ledger-verify: BigInt, no library): a second, independent implementation. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const offline = require('../../../packages/ledger-verify/lib/sm2.js') as {
  sm3(data: Buffer): Buffer;
  sm2Verify(message: Buffer, signature: Buffer, publicKeyHex: string): boolean;
  sm2KeyId(publicKeyHex: string): string;
};

const GBT_32905_ABC = '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0';
const GBT_32905_ABCD_X16 = 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732';

describe('SM3 (GB/T 32905 example vectors)', () => {
  it('hashes "abc" and the 512-bit "abcd"×16 to the standard digests', () => {
    expect(sm3(Buffer.from('abc')).toString('hex')).toBe(GBT_32905_ABC);
    expect(sm3(Buffer.from('abcd'.repeat(16))).toString('hex')).toBe(GBT_32905_ABCD_X16);
  });

  it('the kept library gives the same digests (the fallback where OpenSSL has no SM3)', () => {
    expect(keptSm3(Array.from(Buffer.from('abc')))).toBe(GBT_32905_ABC);
    expect(keptSm3(Array.from(Buffer.from('abcd'.repeat(16))))).toBe(GBT_32905_ABCD_X16);
    expect(offline.sm3(Buffer.from('abc')).toString('hex')).toBe(GBT_32905_ABC);
  });
});

/** An SM2 key made by OpenSSL, read back as hex: an independent party to the signatures below. */
function opensslSm2(dir: string): { pem: string; pubPem: string; d: string; pub: string } {
  const pem = path.join(dir, 'sm2.pem');
  const pubPem = path.join(dir, 'sm2.pub.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'SM2', '-out', pem]);
  execFileSync('openssl', ['pkey', '-in', pem, '-pubout', '-out', pubPem]);
  const text = execFileSync('openssl', ['pkey', '-in', pem, '-text', '-noout'], { encoding: 'utf8' });
  const hexOf = (label: string) => (new RegExp(`${label}:\\s*\\n([\\s0-9a-f:]+)`).exec(text)?.[1] ?? '').replace(/[\s:]/g, '');
  return { pem, pubPem, d: hexOf('priv').padStart(64, '0'), pub: hexOf('pub') };
}

describe('SM2 signatures (default user id 1234567812345678)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sm2-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round trip: a signature verifies; a tampered message, a tampered signature and another key are refused', () => {
    const key = loadOrCreateSuiteKey('sm3-sm2', path.join(dir, 'k1.json'));
    const other = loadOrCreateSuiteKey('sm3-sm2', path.join(dir, 'k2.json'));
    const msg = Buffer.from('checkpoint 42 ‖ 树根');
    const sig = key.sign(msg);
    expect(verifySuiteSignature('sm3-sm2', key.publicKey, msg, sig)).toBe(true);
    const tampered = Buffer.from(msg);
    tampered[0] ^= 1;
    expect(verifySuiteSignature('sm3-sm2', key.publicKey, tampered, sig)).toBe(false);
    const badSig = Buffer.from(sig, 'base64');
    badSig[badSig.length - 1] ^= 1;
    expect(verifySuiteSignature('sm3-sm2', key.publicKey, msg, badSig.toString('base64'))).toBe(false);
    expect(verifySuiteSignature('sm3-sm2', other.publicKey, msg, sig)).toBe(false);
    expect(verifySuiteSignature('sha256-ed25519', key.publicKey, msg, sig)).toBe(false);
    // The offline verifier agrees on each.
    expect(offline.sm2Verify(msg, Buffer.from(sig, 'base64'), key.publicKey)).toBe(true);
    expect(offline.sm2Verify(tampered, Buffer.from(sig, 'base64'), key.publicKey)).toBe(false);
    expect(offline.sm2Verify(msg, badSig, key.publicKey)).toBe(false);
    expect(offline.sm2Verify(msg, Buffer.from(sig, 'base64'), other.publicKey)).toBe(false);
    expect(offline.sm2KeyId(key.publicKey)).toBe(key.keyId);
    // The key file is read back as the same key.
    expect(loadOrCreateSuiteKey('sm3-sm2', path.join(dir, 'k1.json')).publicKey).toBe(key.publicKey);
    expect(fs.statSync(path.join(dir, 'k1.json')).mode & 0o777).toBe(0o600);
  });

  it('is standard SM2: OpenSSL verifies our signature, and we verify OpenSSL’s, both with distid 1234567812345678', () => {
    const o = opensslSm2(dir);
    const key = sm2SuiteKey(o.d);
    expect(key.publicKey).toBe(o.pub);
    const msgFile = path.join(dir, 'm');
    const msg = Buffer.from('LEDGER checkpoint 1000');
    fs.writeFileSync(msgFile, msg);

    const ours = path.join(dir, 'ours.der');
    fs.writeFileSync(ours, Buffer.from(key.sign(msg), 'base64'));
    const verifyArgs = [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      o.pubPem,
      '-rawin',
      '-in',
      msgFile,
      '-digest',
      'sm3',
      '-pkeyopt',
      'distid:1234567812345678',
      '-sigfile',
      ours,
    ];
    expect(execFileSync('openssl', verifyArgs, { encoding: 'utf8' })).toMatch(/Signature Verified Successfully/);

    const theirs = path.join(dir, 'theirs.der');
    execFileSync('openssl', [
      'pkeyutl',
      '-sign',
      '-inkey',
      o.pem,
      '-rawin',
      '-in',
      msgFile,
      '-digest',
      'sm3',
      '-pkeyopt',
      'distid:1234567812345678',
      '-out',
      theirs,
    ]);
    const theirSig = fs.readFileSync(theirs).toString('base64');
    expect(verifySuiteSignature('sm3-sm2', o.pub, msg, theirSig)).toBe(true);
    expect(verifySuiteSignature('sm3-sm2', o.pub, Buffer.from('LEDGER checkpoint 1001'), theirSig)).toBe(false);
    expect(offline.sm2Verify(msg, fs.readFileSync(theirs), o.pub)).toBe(true);
    expect(offline.sm2Verify(msg, fs.readFileSync(ours), o.pub)).toBe(true);
    expect(offline.sm2Verify(Buffer.from('LEDGER checkpoint 1001'), fs.readFileSync(theirs), o.pub)).toBe(false);

    // Signed with another user id, the same bytes do not verify as a default-id signature.
    const otherId = path.join(dir, 'other-id.der');
    execFileSync('openssl', [
      'pkeyutl',
      '-sign',
      '-inkey',
      o.pem,
      '-rawin',
      '-in',
      msgFile,
      '-digest',
      'sm3',
      '-pkeyopt',
      'distid:someone-else',
      '-out',
      otherId,
    ]);
    expect(verifySuiteSignature('sm3-sm2', o.pub, msg, fs.readFileSync(otherId).toString('base64'))).toBe(false);
    expect(offline.sm2Verify(msg, fs.readFileSync(otherId), o.pub)).toBe(false);
  });
});

describe('Ed25519 suite key and LEDGER_CRYPTO', () => {
  it('Ed25519 signs and verifies; a tampered message is refused', () => {
    const key = ed25519SuiteKey(generateKeyPairSync('ed25519').privateKey);
    const msg = Buffer.from('x');
    expect(verifySuiteSignature('sha256-ed25519', key.publicKey, msg, key.sign(msg))).toBe(true);
    expect(verifySuiteSignature('sha256-ed25519', key.publicKey, Buffer.from('y'), key.sign(msg))).toBe(false);
  });

  it('LEDGER_CRYPTO picks the suite: unset → SHA-256/Ed25519, sm → SM3/SM2, anything else refused', () => {
    expect(suiteFromEnv({}).name).toBe('sha256-ed25519');
    expect(suiteFromEnv({ LEDGER_CRYPTO: 'sm' }).name).toBe('sm3-sm2');
    expect(suiteFromEnv({ LEDGER_CRYPTO: 'sm' }).hash(Buffer.from('abc')).toString('hex')).toBe(GBT_32905_ABC);
    expect(suiteFromEnv({}).hash(Buffer.from('abc')).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(() => suiteFromEnv({ LEDGER_CRYPTO: 'rsa' })).toThrow(/LEDGER_CRYPTO=rsa/);
  });
});
