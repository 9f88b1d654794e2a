import type { EntityManager } from 'typeorm';

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
