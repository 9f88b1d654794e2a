import { sha256 } from '@ledger/event-store';

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
  const n = Buffer.byteLength(stream, 'utf8');
  const input = Buffer.allocUnsafe(1 + 4 + n + 4 + streamHash.length);
  input[0] = 0;
  input.writeUInt32BE(n, 1);
  input.write(stream, 5, 'utf8');
  input.writeUInt32BE(revision, 5 + n);
  streamHash.copy(input, 9 + n);
  return sha256(input);
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = 1;
  left.copy(input, 1);
  right.copy(input, 1 + left.length);
  return sha256(input);
}

const HASH = 32;

/** A growable run of 32-byte hashes in one Buffer: no object per hash (160,000 streams ≈ 5 MB, not 40). */
class HashRun {
  buf = Buffer.alloc(0);

  ensure(n: number): void {
    if (n * HASH <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(n, 1024, (this.buf.length / HASH) * 2) * HASH);
    this.buf.copy(next);
    this.buf = next;
  }

  get(i: number): Buffer {
    return this.buf.subarray(i * HASH, (i + 1) * HASH);
  }

  put(i: number, h: Buffer): void {
    h.copy(this.buf, i * HASH);
  }

  copy(n: number): HashRun {
    const c = new HashRun();
    c.buf = Buffer.from(this.buf.subarray(0, n * HASH));
    return c;
  }
}

/**
 * The tree over stream heads, leaves in the order each stream first appeared in the log (the order
 * of their revision-0 positions), kept up to date incrementally: `set` marks a leaf, and the next
 * read recomputes only the marked leaves and their paths up. A seal then costs O(changed streams ×
 * log streams) instead of O(streams) (a name-sorted order would move every later leaf whenever a
 * stream is born). It is also the walker's table of stream heads: slot i is the i-th stream born,
 * its revision, head position and head hash in typed arrays and one Buffer, so that the heads of a
 * county's 160,000 streams take a few tens of MB rather than hundreds.
 */
export class MerkleTree {
  /** Slot of each stream; append-only, so snapshots share it (a slot ≥ their size is not theirs). */
  private slots = new Map<string, number>();
  private names: string[] = [];
  private revisions = new Int32Array(0);
  /** -1: unknown. */
  private positions = new BigInt64Array(0);
  private hashes = new HashRun();
  private levels: HashRun[] = [new HashRun()];
  /** Levels in use above the leaves, as of the last flush. */
  private depth = 0;
  private count = 0;
  private dirty = new Set<number>();
  private frozen = false;

  constructor(heads: Iterable<StreamHead> = []) {
    for (const h of heads) this.set(h);
  }

  get size(): number {
    return this.count;
  }

  private slotOf(stream: string): number | undefined {
    const i = this.slots.get(stream);
    return i !== undefined && i < this.count ? i : undefined;
  }

  set(h: StreamHead): void {
    if (this.frozen) throw new Error('a snapshot of the tree is read-only');
    let i = this.slotOf(h.stream);
    if (i === undefined) {
      i = this.count++;
      this.slots.set(h.stream, i);
      this.names[i] = h.stream;
      if (i >= this.revisions.length) {
        const cap = Math.max(1024, this.revisions.length * 2);
        const r = new Int32Array(cap);
        r.set(this.revisions);
        this.revisions = r;
        const p = new BigInt64Array(cap);
        p.set(this.positions);
        this.positions = p;
      }
      this.hashes.ensure(this.count);
    }
    this.revisions[i] = h.revision;
    this.positions[i] = h.position ?? -1n;
    this.hashes.put(i, h.streamHash);
    this.dirty.add(i);
  }

  private flush(): void {
    if (!this.dirty.size) return;
    const n = this.count;
    let touched: number[] = [];
    for (const i of this.dirty) if (i < n) touched.push(i);
    this.dirty = new Set();
    const base = this.levels[0];
    base.ensure(n);
    for (const i of touched) base.put(i, leafHash(this.names[i], this.revisions[i], this.hashes.get(i)));
    let l = 0;
    let len = n;
    while (len > 1) {
      const cur = this.levels[l];
      const upLen = (len + 1) >> 1;
      const up = (this.levels[l + 1] ??= new HashRun());
      up.ensure(upLen);
      const parents = new Set<number>();
      for (const i of touched) parents.add(i >> 1);
      for (const p of parents) up.put(p, 2 * p + 1 < len ? nodeHash(cur.get(2 * p), cur.get(2 * p + 1)) : cur.get(2 * p));
      touched = [...parents];
      len = upLen;
      l++;
    }
    this.depth = l;
  }

  get root(): Buffer {
    this.flush();
    return this.count ? Buffer.from(this.levels[this.depth].get(0)) : Buffer.alloc(HASH);
  }

  /** A copy (the hash is the caller's). */
  head(stream: string): StreamHead | undefined {
    const i = this.slotOf(stream);
    if (i === undefined) return undefined;
    const position = this.positions[i];
    return { stream, revision: this.revisions[i], streamHash: Buffer.from(this.hashes.get(i)), ...(position >= 0n ? { position } : {}) };
  }

  path(stream: string): MerkleStep[] | undefined {
    this.flush();
    let i = this.slotOf(stream);
    if (i === undefined) return undefined;
    const steps: MerkleStep[] = [];
    let len = this.count;
    for (let l = 0; l < this.depth; l++) {
      const level = this.levels[l];
      if (i % 2 === 1) steps.push({ side: 'left', hash: level.get(i - 1).toString('hex') });
      else if (i + 1 < len) steps.push({ side: 'right', hash: level.get(i + 1).toString('hex') });
      i = i >> 1;
      len = (len + 1) >> 1;
    }
    return steps;
  }

  /** A frozen copy: the tree as it is now, while this one moves on (the buffers copied, no hashing). */
  clone(): MerkleTree {
    const copy = this.copy();
    copy.frozen = true;
    return copy;
  }

  private copy(): MerkleTree {
    this.flush();
    const c = new MerkleTree();
    c.slots = this.slots;
    c.names = this.names;
    c.count = this.count;
    c.revisions = this.revisions.slice(0, this.count);
    c.positions = this.positions.slice(0, this.count);
    c.hashes = this.hashes.copy(this.count);
    let len = this.count;
    c.levels = this.levels.slice(0, this.depth + 1).map((level) => {
      const run = level.copy(len);
      len = (len + 1) >> 1;
      return run;
    });
    c.depth = this.depth;
    return c;
  }

  /**
   * The tree as it stood before the given changes, newest first: each names a stream and its head
   * before the change, or no head (the change was the stream's birth). A frozen copy; this one is
   * left as it is.
   */
  rewound(changes: Iterable<{ stream: string; prev: StreamHead | undefined }>): MerkleTree {
    const c = this.copy();
    c.rewind(changes);
    c.frozen = true;
    return c;
  }

  /**
   * This tree taken back before the given changes (as `rewound`), without a copy: for a tree that is
   * not needed as it is any more (verification's, at its end: a copy doubled its peak).
   */
  rewind(changes: Iterable<{ stream: string; prev: StreamHead | undefined }>): void {
    let size = this.count;
    for (const { stream, prev } of changes) {
      if (prev) this.set(prev);
      else {
        const slot = this.slots.get(stream);
        if (slot !== undefined) size = Math.min(size, slot);
      }
    }
    if (size < this.count) {
      // Streams are born in slot order, so the ones born since are the last slots; the right edge is rehashed.
      this.count = size;
      if (size > 0) this.dirty.add(size - 1);
    }
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
