import type { EntityManager } from 'typeorm';
import type { ItemRow } from '../items/item.entity';
import type { UnitRow } from '../units/unit.entity';
import { counterKeysOf, idsOnPath, type CounterDelta } from './counters';

const OPEN = `('assigned','in_progress','reported')`;
const ON_TIME = `CASE WHEN i.status IN ('concluded','struck_off') AND i."onTime" = TRUE THEN 1 ELSE 0 END`;

/**
 * Counts every counter row afresh from the item views and the unit tree, in SQL (SQLite and
 * PostgreSQL alike). The rebuild uses it once at the end instead of adding up deltas event by event;
 * it must give exactly the rows the live projector's deltas give (the specs compare them).
 */
export async function recountCounters(em: EntityManager): Promise<void> {
  await em.query(`DELETE FROM "rm_item_counter"`);
  // Owners of each item: its unit, its cadre, and (as "subtree") its unit and every ancestor, i.e.
  // every unit whose path is a prefix of the item's unit path. The pairs are few (units × depth).
  await em.query(`
    INSERT INTO "rm_item_counter" ("ownerKind", "ownerId", "status", "dueDate", "count", "onTime")
    WITH anc AS MATERIALIZED (
      SELECT u.id AS uid, a.id AS aid FROM "rm_unit" u JOIN "rm_unit" a ON substr(u.path, 1, length(a.path)) = a.path
    ),
    o AS MATERIALIZED (
      SELECT 'unit' AS kind, i."unitId" AS owner, i.status AS status, i."dueDate" AS due, ${ON_TIME} AS on_time FROM "rm_item" i
      UNION ALL
      SELECT 'cadre', i."cadreId", i.status, i."dueDate", ${ON_TIME} FROM "rm_item" i
      UNION ALL
      SELECT 'subtree', anc.aid, i.status, i."dueDate", ${ON_TIME} FROM "rm_item" i JOIN anc ON anc.uid = i."unitId"
    )
    SELECT kind, owner, status, '-', COUNT(*), SUM(on_time) FROM o GROUP BY kind, owner, status
    UNION ALL
    SELECT kind, owner, 'open', due, COUNT(*), 0 FROM o WHERE status IN ${OPEN} GROUP BY kind, owner, due`);
}

/** Counts per key: status + '\u0000' + due date (counterKeysOf). */
type Tally = Map<string, { count: number; onTime: number }>;

function tally(of: Map<string, Tally>, ownerId: string, key: string, count: number, onTime: number): void {
  let t = of.get(ownerId);
  if (!t) of.set(ownerId, (t = new Map()));
  const acc = t.get(key);
  if (acc) {
    acc.count += count;
    acc.onTime += onTime;
  } else t.set(key, { count, onTime });
}

/**
 * The rows recountCounters counts, from items and a tree held in memory (a rebuild's fold holds them
 * all at its end): items tallied per unit and per cadre, then each unit's tally added to every
 * subtree above it, a few thousand merges instead of about ten rows per item.
 */
export function countCounters(items: Iterable<ItemRow | null>, units: Map<string, UnitRow>): CounterDelta[] {
  const byUnit = new Map<string, Tally>();
  const byCadre = new Map<string, Tally>();
  for (const item of items) {
    if (!item) continue;
    for (const k of counterKeysOf(item)) {
      const key = `${k.status}\u0000${k.dueDate}`;
      tally(byUnit, item.unitId, key, 1, k.onTime);
      tally(byCadre, item.cadreId, key, 1, k.onTime);
    }
  }
  const bySubtree = new Map<string, Tally>();
  for (const [unitId, t] of byUnit) {
    for (const ancestor of idsOnPath(units.get(unitId)?.path)) for (const [key, c] of t) tally(bySubtree, ancestor, key, c.count, c.onTime);
  }
  const rows: CounterDelta[] = [];
  for (const [ownerKind, of] of [
    ['unit', byUnit],
    ['cadre', byCadre],
    ['subtree', bySubtree],
  ] as const) {
    for (const [ownerId, t] of of) {
      for (const [key, c] of t) {
        const i = key.indexOf('\u0000');
        rows.push({ ownerKind, ownerId, status: key.slice(0, i), dueDate: key.slice(i + 1), count: c.count, onTime: c.onTime });
      }
    }
  }
  return rows;
}
