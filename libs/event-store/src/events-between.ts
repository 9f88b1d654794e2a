import type { EventStore } from './port';

/**
 * What lag and progress report: the events in (after, upTo], never a difference of positions unless
 * the store promises them contiguous (then the difference is the count, and free). Counting stops at
 * `cap` (EventStoreDB reads `$all` to count).
 */
export async function eventsBetween(
  store: Pick<EventStore, 'contiguousPositions' | 'countEvents'>,
  after: bigint,
  upTo: bigint,
  cap?: number,
): Promise<bigint> {
  if (upTo <= after) return 0n;
  if (store.contiguousPositions) return cap !== undefined && upTo - after > BigInt(cap) ? BigInt(cap) : upTo - after;
  return BigInt(await store.countEvents(after, upTo, cap));
}
