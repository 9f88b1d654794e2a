import type { DataSource, EntityManager } from 'typeorm';
import type { ProjectedEvent } from '../projected-event';
import { isPostgres } from '../db/sql';
import { countyDateOf } from '../dates';

/**
 * rm_star_fact: the dated facts 星级化考核 scores and no other read model keeps by date — a completion
 * returned (退回) on a county date, a due date that passed (DeadlineMissed). One row per event, keyed
 * by its position, written in the projector's transaction: a replay (or a rebuild, which replays from
 * position 0) writes the same rows again and changes nothing. The table is this projection's own
 * (created here, outside the entity migrations); it holds nothing but what the log re-creates.
 */
export const STAR_FACT_TABLE = 'rm_star_fact';
export type StarFactKind = 'returned' | 'deadline_missed';

const CHUNK = 200;
const ready = new WeakSet<object>();

export async function ensureStarFactTable(db: Pick<EntityManager, 'query'> & { connection: DataSource }): Promise<void> {
  if (ready.has(db.connection)) return;
  await db.query(
    `CREATE TABLE IF NOT EXISTS "${STAR_FACT_TABLE}" ("position" varchar(20) PRIMARY KEY NOT NULL, "itemId" varchar(64) NOT NULL, "kind" varchar(16) NOT NULL, "on" varchar(10) NOT NULL)`,
  );
  await db.query(`CREATE INDEX IF NOT EXISTS "ix_rm_star_fact_on" ON "${STAR_FACT_TABLE}" ("on")`);
  ready.add(db.connection);
}

/** The star-rating facts of a batch, inside the projector's transaction (before its checkpoint). */
export async function projectStarFacts(em: EntityManager, events: readonly ProjectedEvent[]): Promise<void> {
  const rows: Array<[string, string, StarFactKind, string]> = [];
  for (const e of events) {
    if (e.type === 'CompletionReturned') rows.push([e.position.toString(), e.data.itemId, 'returned', countyDateOf(e.recordedAt)]);
    else if (e.type === 'DeadlineMissed') rows.push([e.position.toString(), e.data.itemId, 'deadline_missed', e.data.dueDate]);
  }
  // A batch from position 1 is a fresh projection or a rebuild: facts of an earlier log must not stay.
  if (events.length > 0 && events[0].position === 1n) {
    await ensureStarFactTable(em);
    await em.query(`DELETE FROM "${STAR_FACT_TABLE}"`);
  }
  if (rows.length === 0) return;
  await ensureStarFactTable(em);
  const pg = isPostgres(em);
  for (let i = 0; i < rows.length; i += CHUNK) {
    const params: string[] = [];
    const tuples = rows.slice(i, i + CHUNK).map((r) => `(${r.map((v) => (params.push(v), pg ? `$${params.length}` : '?')).join(',')})`);
    await em.query(`INSERT INTO "${STAR_FACT_TABLE}" ("position","itemId","kind","on") VALUES ${tuples.join(',')} ON CONFLICT ("position") DO NOTHING`, params);
  }
}
