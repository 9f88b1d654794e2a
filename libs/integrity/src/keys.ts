import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { keyId } from './seal';

export interface SealKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
  file: string;
}

/** `<dir>/seal-key.pem` → `<dir>/seal-key.pub.pem` (any other name: `<name>.pub.pem`). */
export function publicKeyFileFor(privateKeyFile: string): string {
  return privateKeyFile.endsWith('.pem') ? `${privateKeyFile.slice(0, -4)}.pub.pem` : `${privateKeyFile}.pub.pem`;
}

/**
 * The Ed25519 sealing key, kept outside the database: read from `file`, or generated there
 * (PKCS#8 PEM, mode 0600, created exclusively so that two processes starting together agree on
 * one key) with the public key beside it. Whoever can write the database cannot forge a seal
 * without this file.
 */
export function loadOrCreateSealKey(file: string): SealKey {
  if (!fs.existsSync(file)) {
    // A folder made for the key is the owner's alone, as the data folder is.
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const privateKey = createPrivateKey(fs.readFileSync(file));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 key`);
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = String(publicKey.export({ type: 'spki', format: 'pem' }));
  const pubFile = publicKeyFileFor(file);
  if (!fs.existsSync(pubFile) || fs.readFileSync(pubFile, 'utf8') !== publicKeyPem) fs.writeFileSync(pubFile, publicKeyPem, { mode: 0o644 });
  return { privateKey, publicKey, publicKeyPem, keyId: keyId(publicKey), file };
}

/** A public key from PEM text, a PEM file's path, or a KeyObject. */
export function toPublicKey(key: KeyObject | string): KeyObject {
  if (typeof key !== 'string') return key.type === 'private' ? createPublicKey(key) : key;
  const pem = key.includes('-----BEGIN') ? key : fs.readFileSync(key, 'utf8');
  return createPublicKey(pem);
}

export interface IntegrityConfig {
  sealKeyFile: string;
  /** Seal every this many events (LEDGER_SEAL_EVERY, default 1,000; 0 turns periodic sealing off). */
  sealEvery: number;
}

/** LEDGER_SEAL_KEY_FILE (default `<dataDir>/seal-key.pem`) and LEDGER_SEAL_EVERY. */
export function integrityConfig(config: { dataDir: string }, env: NodeJS.ProcessEnv = process.env): IntegrityConfig {
  const every = env.LEDGER_SEAL_EVERY === undefined || env.LEDGER_SEAL_EVERY === '' ? 1000 : Number(env.LEDGER_SEAL_EVERY);
  if (!Number.isInteger(every) || every < 0) throw new Error(`LEDGER_SEAL_EVERY=${env.LEDGER_SEAL_EVERY}: expected a whole number ≥ 0`);
  return { sealKeyFile: path.resolve(env.LEDGER_SEAL_KEY_FILE || path.join(config.dataDir, 'seal-key.pem')), sealEvery: every };
}
