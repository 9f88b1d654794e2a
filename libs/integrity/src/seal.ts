import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** Seals are events of this stream (type SEAL_EVENT_TYPE): chained like any event, signed besides. */
export const SEAL_STREAM = 'ledger_seal-checkpoints';
export const SEAL_STREAM_PREFIX = 'ledger_seal-';
export const SEAL_EVENT_TYPE = 'LedgerSealed';
export const SEAL_FORMAT = 'ledger-seal/1';

/** What the key signs: sealMessage, a JSON array of these fields in a fixed order, UTF-8. */
export interface SealBody {
  format: typeof SEAL_FORMAT;
  /** The last position the seal covers (decimal string). */
  position: string;
  /** The global chain's hash at `position` (hex). */
  globalHash: string;
  /** Root of the Merkle tree over the stream heads at `position` (hex). */
  merkleRoot: string;
  /** Number of streams (leaves) at `position`. */
  streams: number;
  sealedAt: string;
  /** SHA-256 of the public key's SPKI DER (hex): which key signed. */
  keyId: string;
}

export interface Seal extends SealBody {
  /** Ed25519 signature of sealMessage(body), base64. */
  signature: string;
}

export function keyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** JSON.stringify([format, position, globalHash, merkleRoot, streams, sealedAt, keyId]) as UTF-8. */
export function sealMessage(body: SealBody): Buffer {
  return Buffer.from(JSON.stringify([body.format, body.position, body.globalHash, body.merkleRoot, body.streams, body.sealedAt, body.keyId]), 'utf8');
}

export function signSeal(body: Omit<SealBody, 'format' | 'keyId'>, privateKey: KeyObject): Seal {
  const full: SealBody = { format: SEAL_FORMAT, ...body, keyId: keyId(createPublicKey(privateKey)) };
  return { ...full, signature: sign(null, sealMessage(full), privateKey).toString('base64') };
}

/** A readable reason when the value is not a well-formed seal, else null. */
export function malformedSeal(value: unknown): string | null {
  const s = value as Partial<Seal> | null;
  if (!s || typeof s !== 'object') return 'not an object';
  if (s.format !== SEAL_FORMAT) return `format is ${String(s.format)}, expected ${SEAL_FORMAT}`;
  if (typeof s.position !== 'string' || !/^\d+$/.test(s.position)) return 'position is not a decimal string';
  for (const k of ['globalHash', 'merkleRoot', 'keyId'] as const) {
    if (typeof s[k] !== 'string' || !/^[0-9a-f]{64}$/.test(s[k] as string)) return `${k} is not 64 hex digits`;
  }
  if (!Number.isInteger(s.streams)) return 'streams is not an integer';
  if (typeof s.signature !== 'string' || typeof s.sealedAt !== 'string') return 'signature or sealedAt missing';
  return null;
}

export function sealSignatureValid(seal: Seal, publicKey: KeyObject): boolean {
  try {
    return verify(null, sealMessage(seal), publicKey, Buffer.from(seal.signature, 'base64'));
  } catch {
    return false;
  }
}
