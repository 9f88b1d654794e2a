import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, getHashes, sign, verify, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sm2 as sm2Typed, sm3 as sm3Hex } from 'sm-crypto';
import { registerSignatureScheme, type SignatureScheme } from './log/checkpoint';
import type { HashFunction } from './log/rfc9162';

// Present in sm-crypto 0.5.8, missing from its @types.
const sm2 = sm2Typed as typeof sm2Typed & { getPublicKeyFromPrivateKey(privateKey: string): string; verifyPublicKey(publicKey: string): boolean };

/*
 * The two algorithm suites a deployment chooses between (LEDGER_CRYPTO): the default SHA-256 with
 * Ed25519, or the national SM3 with SM2 (国密). A suite's name travels in every checkpoint so that a
 * verifier knows which hash and which signature to check.
 */

export type SuiteName = 'sha256-ed25519' | 'sm3-sm2';
export type HashName = 'sha256' | 'sm3';

/** GB/T 32918 / GM/T 0009: the signer's distinguishing identifier when none is agreed. */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

const NODE_HAS_SM3 = getHashes().includes('sm3');

/** SM3 (GB/T 32905). Node's OpenSSL when it has SM3 (fast), else the kept library. */
export function sm3(data: Uint8Array): Buffer {
  if (NODE_HAS_SM3) return createHash('sm3').update(data).digest();
  return Buffer.from(sm3Hex(Array.from(data)), 'hex');
}

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export interface CryptoSuite {
  name: SuiteName;
  hashName: HashName;
  hash(data: Uint8Array): Buffer;
  signatureName: 'ed25519' | 'sm2';
}

export const SUITES: Record<SuiteName, CryptoSuite> = {
  'sha256-ed25519': { name: 'sha256-ed25519', hashName: 'sha256', hash: sha256, signatureName: 'ed25519' },
  'sm3-sm2': { name: 'sm3-sm2', hashName: 'sm3', hash: sm3, signatureName: 'sm2' },
};

/** LEDGER_CRYPTO: unset or `default` → SHA-256/Ed25519; `sm` → SM3/SM2. Anything else is refused. */
export function suiteFromEnv(env: NodeJS.ProcessEnv = process.env): CryptoSuite {
  const v = (env.LEDGER_CRYPTO ?? '').trim().toLowerCase();
  if (v === '' || v === 'default' || v === 'sha256-ed25519') return SUITES['sha256-ed25519'];
  if (v === 'sm' || v === 'sm3-sm2') return SUITES['sm3-sm2'];
  throw new Error(`LEDGER_CRYPTO=${env.LEDGER_CRYPTO}: expected "default" (SHA-256/Ed25519) or "sm" (SM3/SM2)`);
}

export function suiteByName(name: string): CryptoSuite {
  const s = SUITES[name as SuiteName];
  if (!s) throw new Error(`unknown algorithm suite ${JSON.stringify(name)} (expected sha256-ed25519 or sm3-sm2)`);
  return s;
}

/**
 * A signing key of either suite. `publicKey` is text a verifier can be given: SPKI PEM for Ed25519,
 * the uncompressed point (04‖x‖y, hex) for SM2. `keyId` is the suite's hash of that public key.
 */
export interface SuiteKey {
  suite: SuiteName;
  publicKey: string;
  keyId: string;
  /** What the suite's SignatureScheme signs with: a KeyObject for Ed25519, the 64-hex-digit scalar for SM2. */
  privateKey: KeyObject | string;
  /** Signature, base64: Ed25519's 64 bytes, or SM2's DER SEQUENCE { r, s } over SM3(Z ‖ message), Z with the default user id. */
  sign(message: Uint8Array): string;
}

const SM2_PRIVATE = /^[0-9a-f]{64}$/;
const SM2_PUBLIC = /^04[0-9a-f]{128}$/;

export function sm2KeyId(publicKeyHex: string): string {
  return sm3(Buffer.from(publicKeyHex, 'hex')).toString('hex');
}

function ed25519KeyId(publicKey: KeyObject): string {
  return sha256(publicKey.export({ type: 'spki', format: 'der' })).toString('hex');
}

export function ed25519SuiteKey(privateKey: KeyObject): SuiteKey {
  const publicKey = createPublicKey(privateKey);
  return {
    suite: 'sha256-ed25519',
    privateKey,
    publicKey: String(publicKey.export({ type: 'spki', format: 'pem' })),
    keyId: ed25519KeyId(publicKey),
    sign: (m) => sign(null, m, privateKey).toString('base64'),
  };
}

export function sm2SuiteKey(privateKeyHex: string, publicKeyHex?: string): SuiteKey {
  const d = privateKeyHex.toLowerCase();
  if (!SM2_PRIVATE.test(d)) throw new Error('an SM2 private key is 64 hex digits');
  const pub = (publicKeyHex ?? sm2.getPublicKeyFromPrivateKey(d)).toLowerCase();
  if (!SM2_PUBLIC.test(pub)) throw new Error('an SM2 public key is 04 followed by 128 hex digits');
  return {
    suite: 'sm3-sm2',
    privateKey: d,
    publicKey: pub,
    keyId: sm2KeyId(pub),
    sign: (m) =>
      Buffer.from(sm2.doSignature(Array.from(m), d, { hash: true, der: true, publicKey: pub, userId: SM2_DEFAULT_USER_ID }), 'hex').toString('base64'),
  };
}

/** Checks a signature made by SuiteKey.sign; false (never a throw) for anything malformed. */
export function verifySuiteSignature(suite: SuiteName, publicKey: string, message: Uint8Array, signatureB64: string): boolean {
  try {
    const sig = Buffer.from(signatureB64, 'base64');
    if (suite === 'sha256-ed25519') return verify(null, message, createPublicKey(publicKey), sig);
    if (suite === 'sm3-sm2') {
      const pub = publicKey.toLowerCase();
      if (!SM2_PUBLIC.test(pub) || sig.length === 0 || !sm2.verifyPublicKey(pub)) return false;
      return sm2.doVerifySignature(Array.from(message), sig.toString('hex'), pub, { hash: true, der: true, userId: SM2_DEFAULT_USER_ID });
    }
    return false;
  } catch {
    return false;
  }
}

/**
 * The signing key of a suite, kept in `file` (mode 0600, created exclusively so two processes starting
 * together agree on one key): PKCS#8 PEM for Ed25519; for SM2, JSON `{ "suite": "sm3-sm2", "privateKey": hex,
 * "publicKey": hex }`, since node:crypto cannot export an SM2 key's scalar for the kept library.
 */
export function loadOrCreateSuiteKey(suite: SuiteName, file: string): SuiteKey {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const text =
      suite === 'sm3-sm2'
        ? `${JSON.stringify({ suite, ...sm2.generateKeyPairHex() })}\n`
        : String(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    try {
      fs.writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const text = fs.readFileSync(file, 'utf8');
  if (suite === 'sm3-sm2') {
    let k: { suite?: string; privateKey?: string; publicKey?: string };
    try {
      k = JSON.parse(text);
    } catch {
      throw new Error(`${file} is not an SM2 key file (expected JSON with privateKey and publicKey in hex)`);
    }
    if (k.suite !== 'sm3-sm2' || typeof k.privateKey !== 'string') throw new Error(`${file} is not an SM2 key file`);
    const key = sm2SuiteKey(k.privateKey);
    if (k.publicKey && k.publicKey.toLowerCase() !== key.publicKey) throw new Error(`${file}: the public key does not belong to the private key`);
    return key;
  }
  const privateKey = createPrivateKey(text);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 key`);
  return ed25519SuiteKey(privateKey);
}

/** SM3 as the verifiable log's tree hash (RFC 9162 with HASH = SM3). */
export const SM3_HASH: HashFunction = { name: 'sm3', size: 32, digest: (data) => sm3(data) };

/**
 * SM2 as a checkpoint signature scheme (algorithm `sm3-sm2`): keys are the hex forms SuiteKey uses
 * (private: 64 hex digits; public: 04‖x‖y), signatures DER as GB/T 35276 gives them.
 */
export const SM2_SCHEME: SignatureScheme = {
  name: 'sm2',
  sign: (message, privateKey) => Buffer.from(sm2SuiteKey(String(privateKey)).sign(message), 'base64'),
  verify: (message, publicKey, signature) => typeof publicKey === 'string' && verifySuiteSignature('sm3-sm2', publicKey, message, signature.toString('base64')),
  keyId: (publicKey) => sm2KeyId(String(publicKey).toLowerCase()),
};
registerSignatureScheme(SM2_SCHEME);
