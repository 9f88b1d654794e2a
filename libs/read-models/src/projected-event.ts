import type { EventMetadata, LedgerEvent } from '@ledger/contracts/events';

/** A stored event, upcast to its current payload, as projections see it. */
export type ProjectedEvent = LedgerEvent & {
  stream: string;
  revision: number;
  position: bigint;
  /** ISO-8601 instant. */
  recordedAt: string;
  /** Absent when replayed by a rebuild (readForReplay): no read model is folded from it. */
  metadata?: Partial<EventMetadata>;
};
