import { createHash } from 'node:crypto';
import { MerkleTree, leafHash, rootFromPath } from './merkle';

const h = (s: string) => createHash('sha256').update(s).digest();

describe('Merkle tree over stream heads', () => {
  it.each([1, 2, 3, 5, 8, 9, 33])('with %i leaves every path leads to the root, and a changed head does not', (n) => {
    const heads = Array.from({ length: n }, (_, i) => ({ stream: `item-${(i * 7919) % 1000}-${i}`, revision: i, streamHash: h(`s${i}`) }));
    const tree = new MerkleTree(heads);
    for (const x of heads) {
      const path = tree.path(x.stream)!;
      expect(path.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
      expect(rootFromPath(leafHash(x.stream, x.revision, x.streamHash), path).equals(tree.root)).toBe(true);
      expect(rootFromPath(leafHash(x.stream, x.revision + 1, x.streamHash), path).equals(tree.root)).toBe(false);
    }
  });

  it('kept up to date incrementally, it has the root of a tree built afresh from the same heads, at every step', () => {
    const live = new MerkleTree();
    const heads = new Map<string, { stream: string; revision: number; streamHash: Buffer }>();
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let step = 0; step < 300; step++) {
      // New streams and new revisions of old ones, in a log-like mix; leaves keep first-appearance order.
      const stream = rnd(3) === 0 || heads.size === 0 ? `item-${heads.size}` : `item-${rnd(heads.size)}`;
      const head = { stream, revision: (heads.get(stream)?.revision ?? -1) + 1, streamHash: h(`${stream}-${step}`) };
      heads.set(stream, head);
      live.set(head);
      if (step % 7 === 0) {
        const fresh = new MerkleTree(heads.values());
        expect(live.root.equals(fresh.root)).toBe(true);
        const frozen = live.clone();
        live.set({ ...head, streamHash: h('later') });
        expect(frozen.root.equals(fresh.root)).toBe(true);
        live.set(head);
      }
    }
  });

  it('leaves keep the order streams first appeared in: another order is another root', () => {
    const heads = ['item-b', 'unit-a', 'item-a', '销号-1'].map((stream, i) => ({ stream, revision: i, streamHash: h(stream) }));
    expect(new MerkleTree(heads).root.equals(new MerkleTree([...heads]).root)).toBe(true);
    expect(new MerkleTree(heads).root.equals(new MerkleTree([...heads].reverse()).root)).toBe(false);
  });
});
