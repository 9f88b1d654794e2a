import { createHash } from 'node:crypto';

/*
 * The Merkle tree over stream heads that a seal signs (README: "Sealed checkpoints"):
 *   leaf = SHA-256(0x00 ‖ u32(len(stream)) ‖ stream ‖ u32(headRevision) ‖ headStreamHash)
 *   node = SHA-256(0x01 ‖ left ‖ right)
 * Leaves in the order the streams first appear in the log; each level pairs neighbours, an odd
 * last node goes up unchanged. A path lists the siblings from the leaf up, each with its side.
 */

export interface StreamHead {
  stream: string;
  revision: number;
  streamHash: Buffer;
  /** Where the head event is in the log, when known. */
  position?: bigint;
}

export interface MerkleStep {
  side: 'left' | 'right';
  hash: string;
}

export function leafHash(stream: string, revision: number, streamHash: Buffer): Buffer {
  const name = Buffer.from(stream, 'utf8');
  const head = Buffer.allocUnsafe(1 + 4 + name.length + 4);
  head[0] = 0;
  head.writeUInt32BE(name.length, 1);
  name.copy(head, 5);
  head.writeUInt32BE(revision, 5 + name.length);
  return createHash('sha256').update(head).update(streamHash).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

/**
 * The tree over stream heads, leaves in the order each stream first appeared in the log (the order
 * of their revision-0 positions), kept up to date incrementally: `set` marks a leaf, and the next
 * read recomputes only the marked leaves and their paths up. A seal then costs O(changed streams ×
 * log streams) instead of O(streams) (a name-sorted order would move every later leaf whenever a
 * stream is born).
 */
export class MerkleTree {
  private levels: Buffer[][] = [[]];
  private readonly index = new Map<string, number>();
  private leaves: StreamHead[] = [];
  private dirty = new Set<number>();

  constructor(heads: Iterable<StreamHead> = []) {
    for (const h of heads) this.set(h);
  }

  get size(): number {
    return this.leaves.length;
  }

  set(h: StreamHead): void {
    const i = this.index.get(h.stream);
    if (i === undefined) {
      this.index.set(h.stream, this.leaves.length);
      this.dirty.add(this.leaves.length);
      this.leaves.push(h);
    } else {
      this.leaves[i] = h;
      this.dirty.add(i);
    }
  }

  private flush(): void {
    if (!this.dirty.size) return;
    let touched = [...this.dirty];
    this.dirty = new Set();
    const base = this.levels[0];
    for (const i of touched) {
      const h = this.leaves[i];
      base[i] = leafHash(h.stream, h.revision, h.streamHash);
    }
    let l = 0;
    while (this.levels[l].length > 1) {
      const cur = this.levels[l];
      const up = (this.levels[l + 1] ??= []);
      const parents = new Set<number>();
      for (const i of touched) parents.add(i >> 1);
      for (const p of parents) up[p] = 2 * p + 1 < cur.length ? nodeHash(cur[2 * p], cur[2 * p + 1]) : cur[2 * p];
      touched = [...parents];
      l++;
    }
    this.levels.length = l + 1;
  }

  get root(): Buffer {
    this.flush();
    const top = this.levels[this.levels.length - 1];
    return top.length ? top[0] : Buffer.alloc(32);
  }

  head(stream: string): StreamHead | undefined {
    const i = this.index.get(stream);
    return i === undefined ? undefined : this.leaves[i];
  }

  path(stream: string): MerkleStep[] | undefined {
    this.flush();
    let i = this.index.get(stream);
    if (i === undefined) return undefined;
    const steps: MerkleStep[] = [];
    for (const level of this.levels.slice(0, -1)) {
      if (i % 2 === 1) steps.push({ side: 'left', hash: level[i - 1].toString('hex') });
      else if (i + 1 < level.length) steps.push({ side: 'right', hash: level[i + 1].toString('hex') });
      i = Math.floor(i / 2);
    }
    return steps;
  }

  /** A frozen copy (pointer copies, no hashing): the tree as it is now, while this one moves on. */
  clone(): MerkleTree {
    this.flush();
    const copy = new MerkleTree();
    copy.levels = this.levels.map((level) => level.slice());
    for (const [k, v] of this.index) copy.index.set(k, v);
    copy.leaves = this.leaves.slice();
    return copy;
  }
}

export function rootFromPath(leaf: Buffer, path: MerkleStep[]): Buffer {
  let h = leaf;
  for (const step of path) {
    const sibling = Buffer.from(step.hash, 'hex');
    h = step.side === 'left' ? nodeHash(sibling, h) : nodeHash(h, sibling);
  }
  return h;
}
