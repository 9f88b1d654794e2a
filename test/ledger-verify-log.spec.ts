/**
 * packages/ledger-verify's own transcription of RFC 9162 (node:crypto only, no code of the ledger's)
 * against the Certificate Transparency reference tree (the vectors only, shared with libs/integrity's spec):
 * the roots of sizes 1..8 and the published inclusion and consistency proofs must verify, and altered ones must not.
 */
import { createHash } from 'node:crypto';
import { CT_CONSISTENCY, CT_INCLUSION, CT_LEAVES, CT_ROOTS } from '../libs/integrity/src/log/testing/ct-vectors';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const log = require('../packages/ledger-verify/lib/verify-log.js') as {
  verifyInclusion(H: (b: Buffer) => Buffer, index: number, size: number, leaf: Buffer, path: Buffer[], root: Buffer): boolean;
  verifyConsistency(H: (b: Buffer) => Buffer, first: number, second: number, proof: Buffer[], firstRoot: Buffer, secondRoot: Buffer): boolean;
};

const H = (b: Buffer) => createHash('sha256').update(b).digest();
const x = (h: string) => Buffer.from(h, 'hex');
const ROOT: Record<number, string> = Object.fromEntries(CT_ROOTS.map((r, i) => [i + 1, r]));
const leaf = (i: number) => H(Buffer.concat([Buffer.of(0), CT_LEAVES[i]]));

describe('ledger-verify: RFC 9162 verification against the Certificate Transparency vectors', () => {
  it.each(CT_INCLUSION)('inclusion of leaf %i in %i', (i, n, path) => {
    expect(log.verifyInclusion(H, i, n, leaf(i), path.map(x), x(ROOT[n]))).toBe(true);
    expect(log.verifyInclusion(H, i, n, leaf((i + 1) % 8), path.map(x), x(ROOT[n]))).toBe(false);
    if (path.length) expect(log.verifyInclusion(H, i, n, leaf(i), path.slice(1).map(x), x(ROOT[n]))).toBe(false);
  });

  it.each(CT_CONSISTENCY.filter(([m, n]) => m < n))('consistency from %i to %i', (m, n, proof) => {
    expect(log.verifyConsistency(H, m, n, proof.map(x), x(ROOT[m]), x(ROOT[n]))).toBe(true);
    expect(log.verifyConsistency(H, m, n, proof.map(x), x(ROOT[m === 1 ? 2 : m - 1]), x(ROOT[n]))).toBe(false);
    expect(log.verifyConsistency(H, m, n, proof.map(x), x(ROOT[m]), x(ROOT[n - 1]))).toBe(false);
    expect(log.verifyConsistency(H, m, n, [], x(ROOT[m]), x(ROOT[n]))).toBe(false);
  });

  it('equal sizes need the same root and an empty proof', () => {
    expect(log.verifyConsistency(H, 5, 5, [], x(ROOT[5]), x(ROOT[5]))).toBe(true);
    expect(log.verifyConsistency(H, 5, 5, [], x(ROOT[5]), x(ROOT[6]))).toBe(false);
    expect(log.verifyConsistency(H, 0, 5, [], x(ROOT[5]), x(ROOT[5]))).toBe(false);
  });
});
