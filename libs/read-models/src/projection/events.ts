import { isEventType, upcast, type EventType } from '@ledger/contracts/events';
import type { ReplayedEvent, StoredEvent } from '@ledger/event-store';
import { ProjectionGapError } from '../errors';
import type { ProjectedEvent } from '../projected-event';

export function toProjected(e: StoredEvent | ReplayedEvent): ProjectedEvent | null {
  if (!isEventType(e.type)) return null;
  const data = upcast(e.type, e.schemaVersion, e.data);
  return {
    type: e.type,
    data,
    stream: e.stream,
    revision: e.revision,
    position: e.position,
    recordedAt: e.recordedAt,
    ...('metadata' in e ? { metadata: (e.metadata ?? {}) as ProjectedEvent['metadata'] } : {}),
  } as ProjectedEvent;
}

export const UNIT_EVENTS = new Set<EventType>(['UnitRegistered', 'UnitRenamed', 'UnitMoved', 'UnitDissolved']);
export const CADRE_EVENTS = new Set<EventType>(['CadreRegistered', 'CadreTransferred', 'CadreLeft']);

/**
 * The events after `checkpoint`, in increasing position order; returns them and the new checkpoint.
 * `contiguous` (the store's contiguousPositions): each must then follow the one before by exactly
 * one, and a missing number is refused as a lost event (on PostgreSQL, a commit seen out of order);
 * otherwise positions need only increase (EventStoreDB's are byte offsets).
 */
export function freshAfter<E extends ReplayedEvent>(checkpoint: bigint, stored: E[], contiguous: boolean): { fresh: E[]; checkpoint: bigint } {
  const fresh = stored.filter((e) => e.position > checkpoint);
  for (const e of fresh) {
    if (contiguous ? e.position !== checkpoint + 1n : e.position <= checkpoint) throw new ProjectionGapError(checkpoint, e.position);
    checkpoint = e.position;
  }
  return { fresh, checkpoint };
}

/** Whether the events come from a store that promises contiguous positions (the default: SQLite and PostgreSQL do). */
export interface ApplyOptions {
  contiguous?: boolean;
}

export function projected(stored: ReplayedEvent[]): ProjectedEvent[] {
  return stored.map(toProjected).filter((e): e is ProjectedEvent => e !== null);
}
