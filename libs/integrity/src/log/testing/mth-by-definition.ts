import { createHash } from 'node:crypto';

/**
 * RFC 9162's Merkle Tree Hash by its recursive definition (§2.1.1), with node:crypto's hash of that name:
 * the specs' oracle, independent of the stored-subtree code the log runs on.
 */
export const hashWith = (name: string) => (b: Buffer) => createHash(name).update(b).digest();

export function mth(h: (b: Buffer) => Buffer, d: Buffer[]): Buffer {
  if (d.length === 1) return h(Buffer.concat([Buffer.of(0), d[0]]));
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return h(Buffer.concat([Buffer.of(1), mth(h, d.slice(0, k)), mth(h, d.slice(k))]));
}

/** The SHA-256 tree (the default suite's). */
export const mthSha256 = (d: Buffer[]): Buffer => mth(hashWith('sha256'), d);
