import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { keyId } from '../seal';

/*
 * A checkpoint is the log's signed statement "my tree of treeSize leaves has this root" (RFC 9162's
 * signed tree head; C2SP calls it a checkpoint). What is signed is a short text, one field a line:
 *
 *   ledger-checkpoint/1
 *   <algorithm>            e.g. sha256-ed25519: the tree's hash, then the signature scheme
 *   <treeSize>             decimal
 *   <root>                 lowercase hex
 *   <issuedAt>             ISO-8601
 *   <keyId>                hex SHA-256 of the signer's SPKI DER
 *
 * A witness countersigns the same text behind the line "ledger-witness/1": its signature cannot be
 * passed off as the log's, nor the log's as a witness's. `timestamp` (an RFC 3161 token over the
 * checkpoint text) is not itself signed: it stands on the authority's signature.
 */

export const CHECKPOINT_FORMAT = 'ledger-checkpoint/1';
export const WITNESS_FORMAT = 'ledger-witness/1';
export const DEFAULT_ALGORITHM = 'sha256-ed25519';

export interface CheckpointBody {
  treeSize: number;
  /** MTH of the first treeSize leaves, hex. */
  root: string;
  /** `<hash>-<signature scheme>`: sha256-ed25519 (default), sm3-sm2 (LEDGER_CRYPTO=sm). */
  algorithm: string;
  issuedAt: string;
  /** Which log key signed (hex SHA-256 of its SPKI DER). */
  keyId: string;
}

export interface WitnessSignature {
  keyId: string;
  /** base64 */
  signature: string;
}

export interface Checkpoint extends CheckpointBody {
  /** The log's signature over checkpointMessage(body), base64. */
  signature: string;
  witnesses: WitnessSignature[];
  /** An RFC 3161 time-stamp token over checkpointMessage(body), base64 DER. */
  timestamp?: string;
}

export function checkpointMessage(b: CheckpointBody): Buffer {
  return Buffer.from([CHECKPOINT_FORMAT, b.algorithm, String(b.treeSize), b.root, b.issuedAt, b.keyId].join('\n') + '\n', 'utf8');
}

export function witnessMessage(b: CheckpointBody): Buffer {
  return Buffer.concat([Buffer.from(`${WITNESS_FORMAT}\n`, 'utf8'), checkpointMessage(b)]);
}

/**
 * A signature scheme, pluggable as the hash is: Ed25519 here; SM2 joins under its own name. Key
 * handles are whatever the scheme uses (KeyObject for Ed25519).
 */
export interface SignatureScheme {
  readonly name: string;
  sign(message: Buffer, privateKey: unknown): Buffer;
  verify(message: Buffer, publicKey: unknown, signature: Buffer): boolean;
  keyId(publicKey: unknown): string;
}

export const ED25519: SignatureScheme = {
  name: 'ed25519',
  sign: (message, privateKey) => sign(null, message, privateKey as KeyObject),
  verify: (message, publicKey, signature) => {
    try {
      return verify(null, message, publicKey as KeyObject, signature);
    } catch {
      return false;
    }
  },
  keyId: (publicKey) => keyId(publicKey as KeyObject),
};

const schemes = new Map<string, SignatureScheme>([[ED25519.name, ED25519]]);

/** Lets another suite (SM2) be named in checkpoints' algorithm. */
export function registerSignatureScheme(s: SignatureScheme): void {
  schemes.set(s.name, s);
}

export function schemeOf(algorithm: string): SignatureScheme | undefined {
  const dash = algorithm.indexOf('-');
  return dash < 0 ? undefined : schemes.get(algorithm.slice(dash + 1));
}

export function signCheckpoint(
  body: Omit<CheckpointBody, 'keyId' | 'algorithm'> & { algorithm?: string },
  privateKey: KeyObject | unknown,
  scheme: SignatureScheme = ED25519,
  publicKey: unknown = createPublicKey(privateKey as KeyObject),
): Checkpoint {
  const full: CheckpointBody = {
    treeSize: body.treeSize,
    root: body.root,
    algorithm: body.algorithm ?? DEFAULT_ALGORITHM,
    issuedAt: body.issuedAt,
    keyId: scheme.keyId(publicKey),
  };
  return { ...full, signature: scheme.sign(checkpointMessage(full), privateKey).toString('base64'), witnesses: [] };
}

export function checkpointSignatureValid(cp: CheckpointBody & { signature: string }, publicKey: unknown): boolean {
  const scheme = schemeOf(cp.algorithm);
  if (!scheme || scheme.keyId(publicKey) !== cp.keyId) return false;
  return scheme.verify(checkpointMessage(cp), publicKey, Buffer.from(cp.signature, 'base64'));
}

export function cosign(
  cp: CheckpointBody,
  privateKey: unknown,
  scheme: SignatureScheme = ED25519,
  publicKey: unknown = createPublicKey(privateKey as KeyObject),
): WitnessSignature {
  return { keyId: scheme.keyId(publicKey), signature: scheme.sign(witnessMessage(cp), privateKey).toString('base64') };
}

export function cosignatureValid(cp: CheckpointBody, w: WitnessSignature, publicKey: unknown, scheme: SignatureScheme = ED25519): boolean {
  if (scheme.keyId(publicKey) !== w.keyId) return false;
  return scheme.verify(witnessMessage(cp), publicKey, Buffer.from(w.signature, 'base64'));
}

/** A readable reason when the value is not a well-formed checkpoint, else null. */
export function malformedCheckpoint(value: unknown): string | null {
  const c = value as Partial<Checkpoint> | null;
  if (!c || typeof c !== 'object') return 'not an object';
  if (!Number.isSafeInteger(c.treeSize) || (c.treeSize as number) < 0) return 'treeSize is not a whole number';
  if (typeof c.root !== 'string' || !/^[0-9a-f]{64}$/.test(c.root)) return 'root is not 64 lowercase hex digits';
  if (typeof c.keyId !== 'string' || !/^[0-9a-f]{64}$/.test(c.keyId)) return 'keyId is not 64 lowercase hex digits';
  if (typeof c.algorithm !== 'string' || !schemeOf(c.algorithm)) return `algorithm ${String(c.algorithm)} is not known`;
  if (typeof c.issuedAt !== 'string' || typeof c.signature !== 'string') return 'issuedAt or signature missing';
  if (!Array.isArray(c.witnesses)) return 'witnesses is not a list';
  return null;
}
