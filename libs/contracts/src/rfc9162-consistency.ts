/*
 * RFC 9162 §2.1.4.2, the consistency-proof check, written once for the node verifier (libs/integrity,
 * synchronous node:crypto or SM3) and the browser (Web Crypto, whose digest is a promise). The algorithm is
 * a generator that asks for each interior-node hash HASH(0x01 ‖ left ‖ right) and is told the answer, so
 * each caller drives it with its own hash, sync or async, and neither copies the walk. Pure: no Node module.
 */

type Bytes = Uint8Array;

const lsb = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);
const same = (a: Bytes, b: Bytes): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Yields [left, right] for each node hash it needs and expects that hash back; returns whether the proof holds. */
export function* consistencySteps<B extends Bytes>(
  first: number,
  second: number,
  proof: readonly B[],
  firstRoot: B,
  secondRoot: B,
): Generator<readonly [B, B], boolean, B> {
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second)) || first < 1 || first > second) return false;
  if (first === second) return proof.length === 0 && same(firstRoot, secondRoot);
  if (proof.length === 0) return false;
  const c = Number.isInteger(Math.log2(first)) ? [firstRoot, ...proof] : proof;
  let fn = first - 1;
  let sn = second - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = c[0];
  let sr = c[0];
  for (const x of c.slice(1)) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = yield [x, fr];
      sr = yield [x, sr];
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = yield [sr, x];
    }
    fn = half(fn);
    sn = half(sn);
  }
  return same(fr, firstRoot) && same(sr, secondRoot) && sn === 0;
}

/** §2.1.4.2 with a synchronous node hash: the tree of size `first` (firstRoot) is a prefix of the tree of size `second`. */
export function verifyConsistencyWith<B extends Bytes>(
  nodeHash: (left: B, right: B) => B,
  first: number,
  second: number,
  proof: readonly B[],
  firstRoot: B,
  secondRoot: B,
): boolean {
  const steps = consistencySteps(first, second, proof, firstRoot, secondRoot);
  for (let step = steps.next(); ;) {
    if (step.done) return step.value;
    step = steps.next(nodeHash(...step.value));
  }
}

/** The same with a node hash that may be a promise (Web Crypto). */
export async function verifyConsistencyAsync<B extends Bytes>(
  nodeHash: (left: B, right: B) => B | Promise<B>,
  first: number,
  second: number,
  proof: readonly B[],
  firstRoot: B,
  secondRoot: B,
): Promise<boolean> {
  const steps = consistencySteps(first, second, proof, firstRoot, secondRoot);
  for (let step = steps.next(); ;) {
    if (step.done) return step.value;
    step = steps.next(await nodeHash(...step.value));
  }
}
