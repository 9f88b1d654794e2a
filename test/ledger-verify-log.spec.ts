/**
 * packages/ledger-verify's own transcription of RFC 9162 (node:crypto only, no code of the ledger's)
 * against the Certificate Transparency reference tree, copied by hand: the roots of sizes 1..8 and
 * the published inclusion and consistency proofs must verify, and altered ones must not.
 */
import { createHash } from 'node:crypto';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const log = require('../packages/ledger-verify/lib/verify-log.js') as {
  verifyInclusion(H: (b: Buffer) => Buffer, index: number, size: number, leaf: Buffer, path: Buffer[], root: Buffer): boolean;
  verifyConsistency(H: (b: Buffer) => Buffer, first: number, second: number, proof: Buffer[], firstRoot: Buffer, secondRoot: Buffer): boolean;
};

const H = (b: Buffer) => createHash('sha256').update(b).digest();
const x = (h: string) => Buffer.from(h, 'hex');
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(x);
const ROOT: Record<number, string> = {
  1: '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  2: 'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  3: 'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  4: 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  5: '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  6: '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  7: 'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  8: '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
};
const leaf = (i: number) => H(Buffer.concat([Buffer.of(0), LEAVES[i]]));

describe('ledger-verify: RFC 9162 verification against the Certificate Transparency vectors', () => {
  it.each([
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
  ] as [number, number, string[]][])('inclusion of leaf %i in %i', (i, n, path) => {
    expect(log.verifyInclusion(H, i, n, leaf(i), path.map(x), x(ROOT[n]))).toBe(true);
    expect(log.verifyInclusion(H, i, n, leaf((i + 1) % 8), path.map(x), x(ROOT[n]))).toBe(false);
    if (path.length) expect(log.verifyInclusion(H, i, n, leaf(i), path.slice(1).map(x), x(ROOT[n]))).toBe(false);
  });

  it.each([
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
  ] as [number, number, string[]][])('consistency from %i to %i', (m, n, proof) => {
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
