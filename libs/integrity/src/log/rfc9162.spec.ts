import { createHash } from 'node:crypto';
import { consistencyProof, inclusionPath, SHA256, treeRoot, verifyConsistency, verifyInclusion, type CompleteSubtrees } from './rfc9162';

// The Certificate Transparency reference tree (certificate-transparency cpp/merkletree/merkle_tree_test.cc,
// certificate-transparency-go merkle tests): its eight leaf inputs, its roots, its proofs, copied by hand.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((x) => Buffer.from(x, 'hex'));
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const EMPTY_ROOT = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
// leaf index (0-based), tree size, path
const INCLUSION: [number, number, string[]][] = [
  [0, 1, []],
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
const CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];

// An independent oracle: MTH straight from the RFC's recursive definition, over the raw leaves.
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
function naiveMth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Buffer.of(0), d[0]);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha(Buffer.of(1), naiveMth(d.slice(0, k)), naiveMth(d.slice(k)));
}

/** Complete subtrees computed by the naive MTH, so proofs are generated from an independent source of hashes. */
function naiveTree(d: Buffer[]): CompleteSubtrees {
  return { hash: SHA256, node: (level, index) => naiveMth(d.slice(index * 2 ** level, (index + 1) * 2 ** level)) };
}

const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex'));
const unhex = (xs: string[]) => xs.map((x) => Buffer.from(x, 'hex'));

describe('RFC 9162 §2.1 Merkle tree', () => {
  const tree = naiveTree(LEAVES);

  it('the root of every size 0..8 is the Certificate Transparency reference root', () => {
    expect(treeRoot(tree, 0).toString('hex')).toBe(EMPTY_ROOT);
    for (let n = 1; n <= 8; n++) expect(treeRoot(tree, n).toString('hex')).toBe(ROOTS[n - 1]);
  });

  it.each(INCLUSION)('inclusion path of leaf %i in a tree of %i is the reference path, and it verifies', (m, n, want) => {
    expect(hex(inclusionPath(tree, m, n))).toEqual(want);
    expect(verifyInclusion(SHA256, m, n, sha(Buffer.of(0), LEAVES[m]), unhex(want), Buffer.from(ROOTS[n - 1], 'hex'))).toBe(true);
  });

  it.each(CONSISTENCY)('consistency proof from %i to %i is the reference proof, and it verifies', (m, n, want) => {
    expect(hex(consistencyProof(tree, m, n))).toEqual(want);
    expect(verifyConsistency(SHA256, m, n, unhex(want), Buffer.from(ROOTS[m - 1], 'hex'), Buffer.from(ROOTS[n - 1], 'hex'))).toBe(true);
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
    expect(verifyConsistency(SHA256, 0, 8, [], Buffer.alloc(32), Buffer.from(ROOTS[7], 'hex'))).toBe(false);
    expect(verifyInclusion(SHA256, 8, 8, Buffer.alloc(32), [], Buffer.from(ROOTS[7], 'hex'))).toBe(false);
  });
});
