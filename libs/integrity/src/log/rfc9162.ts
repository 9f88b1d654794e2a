import { createHash } from 'node:crypto';
import { verifyConsistencyWith } from '@ledger/contracts/rfc9162-consistency';

/*
 * The Merkle tree of RFC 9162 §2.1 (Certificate Transparency v2), word for word:
 *   MTH({})        = HASH()
 *   MTH({d(0)})    = HASH(0x00 ‖ d(0))
 *   MTH(D[n])      = HASH(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))   k = the largest power of two < n
 * with the inclusion path (§2.1.3) and the consistency proof (§2.1.4), their generation from stored
 * complete-subtree hashes and their verification algorithms (§2.1.3.2, §2.1.4.2: the latter is
 * @ledger/contracts/rfc9162-consistency, shared with the browser's check). HASH is pluggable:
 * SHA-256 by default, SM3 where the deployment must use the national algorithms.
 */

export interface HashFunction {
  /** The name recorded in checkpoints ('sha256', 'sm3'). */
  readonly name: string;
  readonly size: number;
  digest(data: Buffer): Buffer;
}

export const SHA256: HashFunction = { name: 'sha256', size: 32, digest: (data) => createHash('sha256').update(data).digest() };

export function rfcLeafHash(h: HashFunction, leaf: Buffer): Buffer {
  return h.digest(Buffer.concat([Buffer.of(0), leaf]));
}

export function rfcNodeHash(h: HashFunction, left: Buffer, right: Buffer): Buffer {
  return h.digest(Buffer.concat([Buffer.of(1), left, right]));
}

/** The largest power of two smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * A tree whose complete subtrees are stored: node(level, index) is MTH of leaves
 * [index·2^level, (index+1)·2^level), level 0 being the leaf hashes. Every hash a proof needs is
 * one such node or a combination of O(log n) of them along the right edge.
 */
export interface CompleteSubtrees {
  readonly hash: HashFunction;
  node(level: number, index: number): Buffer;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isInteger(Math.log2(n));
}

/** MTH(D[start:end]) where start is a multiple of the largest power of two ≤ end - start (every range RFC 9162's recursion asks for is). */
export function rangeHash(t: CompleteSubtrees, start: number, end: number): Buffer {
  const n = end - start;
  if (n <= 0) throw new RangeError(`empty range ${start}..${end}`);
  if (isPowerOfTwo(n) && start % n === 0) return t.node(Math.log2(n), start / n);
  const k = splitPoint(n);
  return rfcNodeHash(t.hash, rangeHash(t, start, start + k), rangeHash(t, start + k, end));
}

export function treeRoot(t: CompleteSubtrees, size: number): Buffer {
  return size === 0 ? t.hash.digest(Buffer.alloc(0)) : rangeHash(t, 0, size);
}

/** PATH(m, D[n]) of §2.1.3.1: the siblings from the leaf up. */
export function inclusionPath(t: CompleteSubtrees, leafIndex: number, size: number): Buffer[] {
  if (!(leafIndex >= 0 && leafIndex < size)) throw new RangeError(`leaf ${leafIndex} is not in a tree of ${size}`);
  const path = (m: number, start: number, end: number): Buffer[] => {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k ? [...path(m, start, start + k), rangeHash(t, start + k, end)] : [...path(m - k, start + k, end), rangeHash(t, start, start + k)];
  };
  return path(leafIndex, 0, size);
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of §2.1.4.1; empty when m = n. */
export function consistencyProof(t: CompleteSubtrees, m: number, size: number): Buffer[] {
  if (!(m >= 1 && m <= size)) throw new RangeError(`no consistency proof from ${m} to ${size}`);
  const sub = (m: number, start: number, end: number, b: boolean): Buffer[] => {
    const n = end - start;
    if (m === n) return b ? [] : [rangeHash(t, start, end)];
    const k = splitPoint(n);
    return m <= k ? [...sub(m, start, start + k, b), rangeHash(t, start + k, end)] : [...sub(m - k, start + k, end, false), rangeHash(t, start, start + k)];
  };
  return sub(m, 0, size, true);
}

const lsb = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

/** §2.1.3.2: does `path` prove the leaf hash at leafIndex is in the tree of treeSize with this root? */
export function verifyInclusion(h: HashFunction, leafIndex: number, treeSize: number, leafHash: Buffer, path: Buffer[], root: Buffer): boolean {
  if (!(Number.isSafeInteger(leafIndex) && Number.isSafeInteger(treeSize)) || leafIndex < 0 || leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      r = rfcNodeHash(h, p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = rfcNodeHash(h, r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/** §2.1.4.2: does `proof` show the tree of size `first` (firstRoot) is a prefix of the tree of size `second` (secondRoot)? */
export function verifyConsistency(h: HashFunction, first: number, second: number, proof: Buffer[], firstRoot: Buffer, secondRoot: Buffer): boolean {
  return verifyConsistencyWith((left: Buffer, right: Buffer) => rfcNodeHash(h, left, right), first, second, proof, firstRoot, secondRoot);
}
