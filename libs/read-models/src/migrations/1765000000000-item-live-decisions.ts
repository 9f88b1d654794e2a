import type { MigrationInterface, QueryRunner } from 'typeorm';
import { OPEN_END } from '../temporal/entities';
import { isPostgres, placeholders } from '../db/sql';

/**
 * Issue 14: the item views hold the ids of their decisions in force (ItemRow.liveDecisionIds), so the
 * temporal fold counts a revocation as the current one does. Filled from the register for the current
 * rows and the open versions (the temporal models follow the same log to the same checkpoint); a
 * rebuild writes it for every version.
 */
export class ItemLiveDecisions1765000000000 implements MigrationInterface {
  name = 'ItemLiveDecisions1765000000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = isPostgres(q.connection);
    // ALTER … ADD COLUMN, not TypeORM's addColumn: on SQLite that copies the whole table.
    await q.query(`ALTER TABLE "rm_item" ADD COLUMN "liveDecisionIds" text NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE "rm_t_item" ADD COLUMN "liveDecisionIds" text NOT NULL DEFAULT '[]'`);
    const rows: Array<{ itemId: string; decisionId: string }> = await q.query(
      `SELECT "itemId", "decisionId" FROM "rm_accountability" WHERE "revoked" = ${pg ? 'false' : '0'} ORDER BY "recordedAt", "decisionId"`,
    );
    const byItem = new Map<string, string[]>();
    for (const r of rows) byItem.set(r.itemId, [...(byItem.get(r.itemId) ?? []), r.decisionId]);
    for (const [itemId, ids] of byItem) {
      const live = JSON.stringify(ids);
      await q.query(placeholders(`UPDATE "rm_item" SET "liveDecisionIds" = ? WHERE "id" = ?`, pg), [live, itemId]);
      await q.query(placeholders(`UPDATE "rm_t_item" SET "liveDecisionIds" = ? WHERE "itemId" = ? AND "toPosition" = ?`, pg), [live, itemId, OPEN_END]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "rm_t_item" DROP COLUMN "liveDecisionIds"`);
    await q.query(`ALTER TABLE "rm_item" DROP COLUMN "liveDecisionIds"`);
  }
}
