import type { ItemRow } from '../items/item.entity';
import { OPEN_STATUSES } from '../views';
import { OPEN_BY_DUE_DATE, type CounterOwnerKind } from './item-counter.entity';

export interface CounterDelta {
  ownerKind: CounterOwnerKind;
  ownerId: string;
  status: string;
  dueDate: string;
  count: number;
  onTime: number;
}

/** The ids on a materialised path, root first: '/C/T1/V1/' → C, T1, V1. */
export function idsOnPath(path: string | undefined): string[] {
  return path ? path.split('/').filter((s) => s !== '') : [];
}

/** What of an item its counters count. */
export interface ItemCounted {
  status: string;
  dueDate: string;
  onTime: boolean | null;
}

/**
 * The counter rows one item counts once in, for each owner: its status (dated '-'; onTime when it
 * closed on time), and while open OPEN_BY_DUE_DATE under its due date in force.
 */
export function counterKeysOf(row: ItemCounted): { status: string; dueDate: string; onTime: 0 | 1 }[] {
  const closedOnTime = (row.status === 'concluded' || row.status === 'struck_off') && Boolean(row.onTime) ? 1 : 0;
  const keys: { status: string; dueDate: string; onTime: 0 | 1 }[] = [{ status: row.status, dueDate: '-', onTime: closedOnTime }];
  if ((OPEN_STATUSES as readonly string[]).includes(row.status)) keys.push({ status: OPEN_BY_DUE_DATE, dueDate: row.dueDate, onTime: 0 });
  return keys;
}

/**
 * What one item adds to the counters of its unit, every subtree it lies in, and its cadre: a row for
 * its status (dated '-'), and while open a row 'open' under its due date in force, so that overdue
 * and due-soon can be summed for any today.
 */
function contributions(row: ItemRow, sign: 1 | -1, subtreesOf: (unitId: string) => string[]): CounterDelta[] {
  const keys = counterKeysOf(row).map((k) => ({ status: k.status, dueDate: k.dueDate, count: sign, onTime: sign * k.onTime }));
  const owners: [CounterOwnerKind, string][] = [
    ['unit', row.unitId],
    ['cadre', row.cadreId],
    ...subtreesOf(row.unitId).map((id): [CounterOwnerKind, string] => ['subtree', id]),
  ];
  return owners.flatMap(([ownerKind, ownerId]) => keys.map((k) => ({ ownerKind, ownerId, ...k })));
}

export function counterKey(d: Pick<CounterDelta, 'ownerKind' | 'ownerId' | 'status' | 'dueDate'>): string {
  return `${d.ownerKind}\u0000${d.ownerId}\u0000${d.status}\u0000${d.dueDate}`;
}

/** Accumulates counter changes of a batch: an item's first state out, its last state in. */
export class CounterDeltas {
  private readonly deltas = new Map<string, CounterDelta>();

  /** `subtreesOf(unitId)`: the unit and its ancestors, as the tree stood when the counters were last right. */
  change(before: ItemRow | null, after: ItemRow | null, subtreesOf: (unitId: string) => string[]): void {
    if (before) for (const d of contributions(before, -1, subtreesOf)) this.add(d);
    if (after) for (const d of contributions(after, 1, subtreesOf)) this.add(d);
  }

  add(d: CounterDelta): void {
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
