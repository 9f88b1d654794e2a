import type { KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadOrCreateSuiteKey, SM2_SCHEME, SM3_HASH, suiteFromEnv, type CryptoSuite } from '../crypto-suite';
import { CheckpointStamper } from '../timestamp/checkpoint-timestamp';
import { tsaConfigFromEnv } from '../timestamp/tsa-client';
import { ED25519, type SignatureScheme } from './checkpoint';
import { logTreeFile } from './config';
import { SHA256, type HashFunction } from './rfc9162';

export interface LogSetup {
  suite: CryptoSuite;
  treeFile: string;
  hash: HashFunction;
  scheme: SignatureScheme;
  privateKey: KeyObject | string;
  publicKey: unknown;
  /** The checkpoint signer's public key as a verifier is given it: SPKI PEM (Ed25519) or 04‖x‖y hex (SM2). */
  publicKeyText: string;
  stamper: CheckpointStamper;
  /** The other suite's tree and key, for the switch (suite-switch.ts) when this suite's tree is new. */
  previous: { treeFile: string; hash: HashFunction; privateKey: KeyObject | string; publicKey: unknown; scheme: SignatureScheme; algorithm: string } | null;
}

/**
 * What the verifiable log runs with, from the environment:
 *   LEDGER_CRYPTO       default: SHA-256 tree, checkpoints signed with the Ed25519 seal key;
 *                       sm: SM3 tree in its own file (default `<dataDir>/log-tree-sm3.sqlite`), checkpoints
 *                       signed with an SM2 key (LEDGER_SM2_KEY_FILE, default `<dataDir>/log-key-sm2.json`).
 *   LEDGER_TSA_URL, LEDGER_TSA_CERT, LEDGER_TSA_TIMEOUT_MS: RFC 3161 tokens on checkpoints.
 * A bad value throws, naming the variable, before anything starts.
 */
export function logSetup(
  config: { dataDir: string },
  sealKey: { privateKey: KeyObject; publicKeyPem: string; publicKey: KeyObject },
  env: NodeJS.ProcessEnv = process.env,
  onTimestampError: (e: Error) => void = () => undefined,
): LogSetup {
  const suite = suiteFromEnv(env);
  const stamper = new CheckpointStamper(tsaConfigFromEnv(env), onTimestampError);
  const sm2KeyFile = path.resolve(env.LEDGER_SM2_KEY_FILE || path.join(config.dataDir, 'log-key-sm2.json'));
  const smTreeFile = path.resolve(path.join(config.dataDir, 'log-tree-sm3.sqlite'));
  const defaultTreeFile = path.resolve(path.join(config.dataDir, 'log-tree.sqlite'));
  const ed25519 = { privateKey: sealKey.privateKey, publicKey: sealKey.publicKey, scheme: ED25519 };
  if (suite.name === 'sm3-sm2') {
    const key = loadOrCreateSuiteKey('sm3-sm2', sm2KeyFile);
    return {
      previous: { treeFile: defaultTreeFile, hash: SHA256, algorithm: 'sha256-ed25519', ...ed25519 },
      suite,
      // Another suite is another tree: the SHA-256 one stays in its file.
      treeFile: path.resolve(env.LEDGER_LOG_TREE_FILE || path.join(config.dataDir, 'log-tree-sm3.sqlite')),
      hash: SM3_HASH,
      scheme: SM2_SCHEME,
      privateKey: key.privateKey,
      publicKey: key.publicKey,
      publicKeyText: key.publicKey,
      stamper,
    };
  }
  const smKey = fs.existsSync(sm2KeyFile) ? loadOrCreateSuiteKey('sm3-sm2', sm2KeyFile) : null;
  return {
    suite,
    treeFile: logTreeFile(config, env),
    hash: SHA256,
    scheme: ED25519,
    privateKey: sealKey.privateKey,
    publicKey: sealKey.publicKey,
    publicKeyText: sealKey.publicKeyPem,
    stamper,
    previous: smKey
      ? { treeFile: smTreeFile, hash: SM3_HASH, algorithm: 'sm3-sm2', privateKey: smKey.privateKey, publicKey: smKey.publicKey, scheme: SM2_SCHEME }
      : null,
  };
}
