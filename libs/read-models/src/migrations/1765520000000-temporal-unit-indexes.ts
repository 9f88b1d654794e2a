import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { isPostgres } from '../db/sql';

/**
 * Issue 20: an as-of answer reads the units it needs at the cut, not the whole tree of the day.
 * - ix_rm_t_unit_path: the units of a subtree at p, a range over the path (covering). On PostgreSQL
 *   the path COLLATE "C" (byte order, as SQLite's BINARY): the usual collations ignore punctuation,
 *   so a range over '/' would be wrong there, and LIKE 'prefix%' reads no index under them.
 * - ix_rm_t_unit_parent: the children of a unit at p.
 */
export class TemporalUnitIndexes1765520000000 implements MigrationInterface {
  name = 'TemporalUnitIndexes1765520000000';

  async up(q: QueryRunner): Promise<void> {
    const path = isPostgres(q.connection) ? '"path" COLLATE "C"' : '"path"';
    await q.query(`CREATE INDEX IF NOT EXISTS "ix_rm_t_unit_path" ON "rm_t_unit" (${path}, "fromPosition", "toPosition", "unitId")`);
    await q.createIndex('rm_t_unit', new TableIndex({ name: 'ix_rm_t_unit_parent', columnNames: ['parentId', 'fromPosition'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('rm_t_unit', 'ix_rm_t_unit_parent');
    await q.query(`DROP INDEX IF EXISTS "ix_rm_t_unit_path"`);
  }
}
