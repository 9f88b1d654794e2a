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

  it('orders leaves by the stream name, not by insertion: the same heads give the same root', () => {
    const heads = ['item-b', 'unit-a', 'item-a', '销号-1'].map((stream, i) => ({ stream, revision: i, streamHash: h(stream) }));
    expect(new MerkleTree(heads).root.equals(new MerkleTree([...heads].reverse()).root)).toBe(true);
    expect(new MerkleTree(heads).sortedHeads.map((x) => x.stream)).toEqual(['item-a', 'item-b', 'unit-a', '销号-1']);
  });
});
