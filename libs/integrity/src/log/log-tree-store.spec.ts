import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LogTreeStore } from './log-tree-store';
import { consistencyProof, inclusionPath, SHA256, verifyConsistency, verifyInclusion } from './rfc9162';
import { mthSha256 as mth } from './testing/mth-by-definition';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

describe('LogTreeStore: the stored complete subtrees', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-tree-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('appended leaf by leaf and in batches, across a reopen, it has the naive MTH at every size, and its proofs verify', () => {
    const file = path.join(dir, 'a.sqlite');
    const leaves = Array.from({ length: 70 }, (_, i) => sha(Buffer.from(`event ${i}`)));
    let t = new LogTreeStore(file);
    for (let i = 0; i < leaves.length;) {
      const batch = leaves.slice(i, i + (i % 3) + 1);
      t.append(batch.map((leaf, j) => ({ position: BigInt((i + j) * 3 + 1), leaf })));
      i += batch.length;
      expect(t.root().equals(mth(leaves.slice(0, i)))).toBe(true);
      if (i === 33) {
        t.close();
        t = new LogTreeStore(file);
        expect(t.size).toBe(33);
        expect(t.lastPosition).toBe(BigInt(32 * 3 + 1));
      }
    }
    for (let n = 1; n <= leaves.length; n += 7) {
      const root = mth(leaves.slice(0, n));
      for (let m = 0; m < n; m++) expect(verifyInclusion(SHA256, m, n, t.node(0, m), inclusionPath(t, m, n), root)).toBe(true);
      for (let m = 1; m <= n; m++) expect(verifyConsistency(SHA256, m, n, consistencyProof(t, m, n), mth(leaves.slice(0, m)), root)).toBe(true);
    }
    expect(t.leafAt(BigInt(5 * 3 + 1))).toEqual({ index: 5, leaf: leaves[5] });
    expect(t.leafAt(2n)).toBeUndefined();
    expect(() => t.append([{ position: 1n, leaf: leaves[0] }])).toThrow(/not after/);
    expect(t.size).toBe(70);
    t.close();
  });

  it('refuses a file of another hash suite', () => {
    const file = path.join(dir, 'b.sqlite');
    new LogTreeStore(file).close();
    expect(() => new LogTreeStore(file, { name: 'sm3', size: 32, digest: (d) => sha(d) })).toThrow(/holds a sha256 tree/);
  });
});
