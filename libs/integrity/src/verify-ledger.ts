import type { KeyObject } from 'node:crypto';
import type { EventStore, StoredEvent } from '@ledger/event-store';
import { ChainWalker, chainProfile, storedHeadsAt, type ChainBreak } from './chain-walker';
import { toPublicKey } from './keys';

/**
 * Journal entries kept behind the walk: enough for any seal to find the position it covers (a seal
 * covers the head when it was made, a few thousand events back at most), and no more, since a window
 * as long as a big ledger's unsealed stretch held most of the API's memory (docs/benchmarks.md).
 */
const JOURNAL_WINDOW = 50_000;

export interface VerifyProgress {
  checked: number;
  position: bigint;
  /** The head when verification started: what it will check. */
  head: bigint;
}

export interface VerifyOptions {
  onProgress?: (p: VerifyProgress) => void;
  /** Events per read. Default 2,000. */
  batchSize?: number;
  /** Journal entries kept behind the walk. Default 50,000. */
  journalWindow?: number;
}

export interface VerifyReport {
  ok: boolean;
  /** Events whose links were recomputed and matched. */
  checked: number;
  /** Seals met and found valid. */
  seals: number;
  /** The head when verification started (decimal string). */
  head: string;
  /** The newest valid seal: the position it covers and where it is in the log. */
  newestSeal?: { covers: string; position: string; sealedAt: string };
  firstBreak?: ChainBreak;
}

/**
 * Recomputes both chains from position 0 up to the head (as it was when verification started),
 * checks every seal met (trusted key, signature, the global hash at the sealed position) and the
 * newest seal's Merkle root, and names the FIRST link that does not hold.
 */
export async function verifyLedger(
  store: EventStore,
  publicKey: KeyObject | string | Array<KeyObject | string>,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const keys = (Array.isArray(publicKey) ? publicKey : [publicKey]).map(toPublicKey);
  const profile = chainProfile(store.engine, store.contiguousPositions);
  const walker = new ChainWalker(profile, keys, options.journalWindow ?? JOURNAL_WINDOW);
  const head = await store.headPosition();
  const batchSize = options.batchSize ?? 2000;
  const report = (): VerifyReport => {
    const s = walker.latestSeal;
    return {
      ok: !walker.firstBreak,
      checked: walker.checked,
      seals: walker.seals,
      head: head.toString(),
      ...(s ? { newestSeal: { covers: s.covers.toString(), position: s.event.position.toString(), sealedAt: s.seal.sealedAt } } : {}),
      ...(walker.firstBreak ? { firstBreak: walker.firstBreak } : {}),
    };
  };
  while (walker.last < head) {
    let events: StoredEvent[];
    try {
      events = await store.readAll({ after: walker.last, limit: batchSize });
    } catch (e) {
      // A row the store cannot decode (its text is no longer JSON): find which, one by one.
      try {
        events = await store.readAll({ after: walker.last, limit: 1 });
      } catch {
        walker.firstBreak = {
          stream: '',
          revision: -1,
          position: (walker.last + 1n).toString(),
          reason: 'unreadable',
          detail: `the event after position ${walker.last} cannot be read: ${(e as Error).message}`,
        };
        return report();
      }
    }
    const within = events.filter((e) => e.position <= head);
    if (within.length === 0) break;
    if (!walker.apply(within)) return report();
    options.onProgress?.({ checked: walker.checked, position: walker.last, head });
  }
  // On the SQL engines the head is their last row's position, gaps or not: a walk that ends before it lost rows.
  if (profile.storedGlobal && walker.last < head) {
    walker.firstBreak = {
      stream: '',
      revision: -1,
      position: (walker.last + 1n).toString(),
      reason: 'missing_events',
      detail: `the log ends at ${walker.last} but the store's head is ${head}`,
    };
    return report();
  }
  // Past the journal, the heads at the newest seal come from the store: every row up to the head was
  // just recomputed and found equal to what the store keeps, so its stored heads are the checked ones.
  const s = walker.latestSeal;
  let heads = s ? walker.rewindHeadsTo(s.covers) : null;
  if (s && !heads) heads = await storedHeadsAt(store, s.covers);
  const merkle = walker.checkLatestMerkle(heads);
  if (merkle) walker.firstBreak = merkle;
  return report();
}
