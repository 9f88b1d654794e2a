import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from '../db/sql';

/**
 * Issue 20: on PostgreSQL a subtree of the current tree is a range over the path COLLATE "C" (byte
 * order, as SQLite's BINARY and its ix_rm_unit_path). The usual collations ignore punctuation, and
 * under them LIKE 'prefix%' reads no index: every scoped list and figure read all of rm_unit (96,000
 * units in a province of 100 counties).
 */
export class UnitPathBytes1765530000000 implements MigrationInterface {
  name = 'UnitPathBytes1765530000000';

  async up(q: QueryRunner): Promise<void> {
    if (isPostgres(q.connection)) await q.query(`CREATE INDEX IF NOT EXISTS "ix_rm_unit_path_c" ON "rm_unit" ("path" COLLATE "C", "id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS "ix_rm_unit_path_c"`);
  }
}
