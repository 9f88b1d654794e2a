/**
 * Seeded randomness for the generated counties (the demo, the scale generator, the read models' test
 * county): the same seed gives the same county. No imports, so test helpers in any lib may use it.
 */

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The draws a generator makes, each taking the next number(s) of one seeded stream. */
export interface Dice {
  rnd: () => number;
  pick<T>(xs: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number;
}

export function seededDice(seed: number): Dice {
  const rnd = prng(seed);
  return {
    rnd,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)],
    chance: (p: number) => rnd() < p,
    between: (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1)),
  };
}

/**
 * Version-4-shaped UUIDs from a seeded stream: a generated ledger's ids are the same on every run of the
 * same seed, which is what lets an interrupted generator run resume (its commands are sent again under
 * the same idempotency keys and the same ids, and the store answers the ones it already holds).
 */
export function seededUuids(seed: number): () => string {
  const rnd = prng(seed);
  const word = () => Math.floor(rnd() * 0x1_0000_0000);
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  return () => {
    const a = word();
    const b = word();
    const c = word();
    const d = word();
    return `${hex(a, 8)}-${hex(b >>> 16, 4)}-${hex(0x4000 | (b & 0x0fff), 4)}-` + `${hex(0x8000 | ((c >>> 16) & 0x3fff), 4)}-${hex(c & 0xffff, 4)}${hex(d, 8)}`;
  };
}
