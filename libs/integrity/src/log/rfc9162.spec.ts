import { createHash } from 'node:crypto';
import { consistencyProof, inclusionPath, SHA256, treeRoot, verifyConsistency, verifyInclusion, type CompleteSubtrees } from './rfc9162';
import { CT_CONSISTENCY, CT_EMPTY_ROOT, CT_INCLUSION, CT_LEAVES, CT_ROOTS } from './testing/ct-vectors';

// An independent oracle: MTH straight from the RFC's recursive definition, over the raw leaves.
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
function naiveMth(d: readonly Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Buffer.of(0), d[0]);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha(Buffer.of(1), naiveMth(d.slice(0, k)), naiveMth(d.slice(k)));
}

/** Complete subtrees computed by the naive MTH, so proofs are generated from an independent source of hashes. */
function naiveTree(d: readonly Buffer[]): CompleteSubtrees {
  return { hash: SHA256, node: (level, index) => naiveMth(d.slice(index * 2 ** level, (index + 1) * 2 ** level)) };
}

const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex'));
const unhex = (xs: string[]) => xs.map((x) => Buffer.from(x, 'hex'));

describe('RFC 9162 §2.1 Merkle tree', () => {
  const tree = naiveTree(CT_LEAVES);

  it('the root of every size 0..8 is the Certificate Transparency reference root', () => {
    expect(treeRoot(tree, 0).toString('hex')).toBe(CT_EMPTY_ROOT);
    for (let n = 1; n <= 8; n++) expect(treeRoot(tree, n).toString('hex')).toBe(CT_ROOTS[n - 1]);
  });

  it.each(CT_INCLUSION)('inclusion path of leaf %i in a tree of %i is the reference path, and it verifies', (m, n, want) => {
    expect(hex(inclusionPath(tree, m, n))).toEqual(want);
    expect(verifyInclusion(SHA256, m, n, sha(Buffer.of(0), CT_LEAVES[m]), unhex(want), Buffer.from(CT_ROOTS[n - 1], 'hex'))).toBe(true);
  });

  it.each(CT_CONSISTENCY)('consistency proof from %i to %i is the reference proof, and it verifies', (m, n, want) => {
    expect(hex(consistencyProof(tree, m, n))).toEqual(want);
    expect(verifyConsistency(SHA256, m, n, unhex(want), Buffer.from(CT_ROOTS[m - 1], 'hex'), Buffer.from(CT_ROOTS[n - 1], 'hex'))).toBe(true);
  });

  it('for up to 40 leaves every inclusion and consistency proof verifies against the naive MTH, and altered ones do not', () => {
    const d = Array.from({ length: 40 }, (_, i) => Buffer.from(`leaf ${i}`));
    const t = naiveTree(d);
    for (let n = 1; n <= d.length; n++) {
      const root = naiveMth(d.slice(0, n));
      expect(treeRoot(t, n).equals(root)).toBe(true);
      for (let m = 0; m < n; m++) {
        const path = inclusionPath(t, m, n);
        const leaf = sha(Buffer.of(0), d[m]);
        expect(verifyInclusion(SHA256, m, n, leaf, path, root)).toBe(true);
        expect(verifyInclusion(SHA256, m, n, sha(Buffer.of(0), Buffer.from('other')), path, root)).toBe(false);
        if (n > 1) expect(verifyInclusion(SHA256, (m + 1) % n, n, leaf, path, root)).toBe(false);
        expect(verifyInclusion(SHA256, m, n, leaf, [...path, root], root)).toBe(false);
      }
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(t, m, n);
        const old = naiveMth(d.slice(0, m));
        expect(verifyConsistency(SHA256, m, n, proof, old, root)).toBe(true);
        if (m < n) {
          // A rewritten prefix: the old root is of other leaves.
          const rewritten = naiveMth([...d.slice(0, m - 1), Buffer.from('forged')]);
          expect(verifyConsistency(SHA256, m, n, proof, rewritten, root)).toBe(false);
          expect(verifyConsistency(SHA256, m, n, proof.slice(0, -1), old, root)).toBe(false);
          expect(verifyConsistency(SHA256, m, n, [], old, root)).toBe(false);
        }
      }
    }
  });

  it('refuses impossible sizes instead of answering', () => {
    expect(() => inclusionPath(tree, 8, 8)).toThrow(RangeError);
    expect(() => consistencyProof(tree, 9, 8)).toThrow(RangeError);
    expect(() => consistencyProof(tree, 0, 8)).toThrow(RangeError);
    expect(verifyConsistency(SHA256, 0, 8, [], Buffer.alloc(32), Buffer.from(CT_ROOTS[7], 'hex'))).toBe(false);
    expect(verifyInclusion(SHA256, 8, 8, Buffer.alloc(32), [], Buffer.from(CT_ROOTS[7], 'hex'))).toBe(false);
  });
});
