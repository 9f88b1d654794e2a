import { createHash } from 'node:crypto';

/*
 * The Merkle tree over stream heads that a seal signs (README: "Sealed checkpoints"):
 *   leaf = SHA-256(0x00 ‖ u32(len(stream)) ‖ stream ‖ u32(headRevision) ‖ headStreamHash)
 *   node = SHA-256(0x01 ‖ left ‖ right)
 * Leaves ordered by the stream name's UTF-8 bytes; each level pairs neighbours, an odd last node
 * goes up unchanged. A path lists the siblings from the leaf up, each with its side.
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

export function compareStreams(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Every level of the tree, leaves first; the root is the single node of the last level. */
export class MerkleTree {
  readonly levels: Buffer[][];
  readonly index: Map<string, number>;
  readonly sortedHeads: StreamHead[];

  constructor(readonly heads: StreamHead[]) {
    const sorted = heads.map((h) => ({ h, key: Buffer.from(h.stream, 'utf8') })).sort((a, b) => Buffer.compare(a.key, b.key));
    this.index = new Map(sorted.map((x, i) => [x.h.stream, i]));
    let level = sorted.map((x) => leafHash(x.h.stream, x.h.revision, x.h.streamHash));
    this.levels = [level];
    while (level.length > 1) {
      const up: Buffer[] = [];
      for (let i = 0; i < level.length; i += 2) up.push(i + 1 < level.length ? nodeHash(level[i], level[i + 1]) : level[i]);
      this.levels.push(up);
      level = up;
    }
    this.sortedHeads = sorted.map((x) => x.h);
  }

  get root(): Buffer {
    const top = this.levels[this.levels.length - 1];
    return top.length ? top[0] : Buffer.alloc(32);
  }

  head(stream: string): StreamHead | undefined {
    const i = this.index.get(stream);
    return i === undefined ? undefined : this.sortedHeads[i];
  }

  path(stream: string): MerkleStep[] | undefined {
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
}

export function rootFromPath(leaf: Buffer, path: MerkleStep[]): Buffer {
  let h = leaf;
  for (const step of path) {
    const sibling = Buffer.from(step.hash, 'hex');
    h = step.side === 'left' ? nodeHash(sibling, h) : nodeHash(h, sibling);
  }
  return h;
}
