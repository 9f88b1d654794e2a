import type { ItemRow } from '../items/item.entity';
import { OPEN_STATUSES } from '../views';
import type { CounterOwnerKind } from './item-counter.entity';

export interface CounterDelta {
  ownerKind: CounterOwnerKind;
  ownerId: string;
  status: string;
  dueDate: string;
  count: number;
  onTime: number;
}

/** What one item adds to the counters of its unit and its cadre. */
function contributions(row: ItemRow, sign: 1 | -1): CounterDelta[] {
  const open = OPEN_STATUSES.includes(row.status);
  const dueDate = open ? row.dueDate : '-';
  const closedOnTime = (row.status === 'concluded' || row.status === 'struck_off') && Boolean(row.onTime) ? 1 : 0;
  return (['unit', 'cadre'] as const).map((ownerKind) => ({
    ownerKind,
    ownerId: ownerKind === 'unit' ? row.unitId : row.cadreId,
    status: row.status,
    dueDate,
    count: sign,
    onTime: sign * closedOnTime,
  }));
}

export function counterKey(d: Pick<CounterDelta, 'ownerKind' | 'ownerId' | 'status' | 'dueDate'>): string {
  return `${d.ownerKind}\u0000${d.ownerId}\u0000${d.status}\u0000${d.dueDate}`;
}

/** Accumulates counter changes of a batch: an item's first state out, its last state in. */
export class CounterDeltas {
  private readonly deltas = new Map<string, CounterDelta>();

  change(before: ItemRow | null, after: ItemRow | null): void {
    if (before) for (const d of contributions(before, -1)) this.add(d);
    if (after) for (const d of contributions(after, 1)) this.add(d);
  }

  private add(d: CounterDelta): void {
    const k = counterKey(d);
    const acc = this.deltas.get(k);
    if (acc) {
      acc.count += d.count;
      acc.onTime += d.onTime;
    } else this.deltas.set(k, { ...d });
  }

  /** Non-zero changes only. */
  values(): CounterDelta[] {
    return [...this.deltas.values()].filter((d) => d.count !== 0 || d.onTime !== 0);
  }
}
