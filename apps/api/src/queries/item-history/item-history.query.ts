import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { isEventType, STREAM_PREFIX, upcast, type Actor } from '@ledger/contracts/events';
import type { EventStore } from '@ledger/event-store';
import { NotFoundProblem } from '../../problem-details/errors';
import { EVENT_STORE } from '../../platform/tokens';
import { OutOfScopeProblem, ReadScope } from '../shared/read-scope';
import { AsOfCuts } from '../../inspection/as-of/as-of';
import { labelOf, namesOfThen, type TimelineNames } from '../../inspection/timeline/names-of-then';

export interface HistoryEntry {
  type: string;
  data: unknown;
  actor: unknown;
  recordedAt: string;
  revision: number;
  /** Decimal string: positions may exceed 2^53. */
  position: string;
  /** The event type's Chinese label (EVENT_LABELS). */
  label: string;
  /** Unit and cadre names as they were when the event was recorded. */
  names: TimelineNames;
}

/** An item's timeline straight from its stream, oldest first (not from the read models). */
export class ItemHistoryQuery {
  constructor(
    readonly actor: Actor,
    readonly itemId: string,
    readonly minPosition?: string,
  ) {}
}

@QueryHandler(ItemHistoryQuery)
export class ItemHistoryHandler implements IQueryHandler<ItemHistoryQuery, HistoryEntry[]> {
  constructor(
    private readonly scope: ReadScope,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly cuts: AsOfCuts,
  ) {}

  async execute(q: ItemHistoryQuery): Promise<HistoryEntry[]> {
    await this.scope.consistent(q.minPosition);
    const events = await this.store.readStream(STREAM_PREFIX.item + q.itemId);
    if (events.length === 0) throw new NotFoundProblem('ITEM_NOT_FOUND', `no item ${q.itemId}`);
    // The handling unit in force, from the stream itself: the read models may not have it yet.
    let unitId: string | null = null;
    for (const e of events) {
      const d = e.data as { unitId?: unknown };
      if ((e.type === 'ItemAssigned' || e.type === 'ItemReassigned') && typeof d.unitId === 'string') unitId = d.unitId;
    }
    if (this.scope.scopeRoot(q.actor) !== undefined && !(unitId && (await this.scope.unitInScope(q.actor, unitId)))) {
      throw new OutOfScopeProblem(`item ${q.itemId}`);
    }
    // Names come from the temporal read models: they must include the item's last event.
    await this.cuts.ensureTemporal(events[events.length - 1].position);
    const names = await namesOfThen(this.cuts.temporal, events);
    return events.map((e, i) => ({
      type: e.type,
      data: isEventType(e.type) ? upcast(e.type, e.schemaVersion, e.data) : e.data,
      actor: e.metadata?.actor ?? null,
      recordedAt: e.recordedAt,
      revision: e.revision,
      position: e.position.toString(),
      label: labelOf(e.type),
      names: names[i],
    }));
  }
}
