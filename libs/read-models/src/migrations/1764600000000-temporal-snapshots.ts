import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { isPostgres, placeholders } from '../db/sql';

/**
 * Issue 5, query cost: counter snapshots every 65,536 positions (figures as of p read one snapshot,
 * at most 15 epochs and p's own epoch), and a covering index for lists as of p. Existing temporal
 * rows get their snapshots here.
 */
export class TemporalSnapshots1764600000000 implements MigrationInterface {
  name = 'TemporalSnapshots1764600000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = isPostgres(q.connection);
    const str = (name: string, length: number) => ({ name, type: 'varchar', length: String(length), isNullable: false, isPrimary: true });
    await q.createTable(
      new Table({
        name: 'rm_t_counter_snapshot',
        columns: [
          str('ownerKind', 8),
          str('ownerId', 64),
          { name: 'epoch', type: 'integer', isNullable: false, isPrimary: true },
          str('status', 16),
          str('dueDate', 10),
          { name: 'count', type: 'integer', isNullable: false },
          { name: 'onTime', type: 'integer', isNullable: false },
        ],
      }),
      true,
    );
    await q.dropIndex('rm_t_item', 'ix_rm_t_item_unit');
    await q.createIndex(
      'rm_t_item',
      new TableIndex({ name: 'ix_rm_t_item_unit_cover', columnNames: ['unitId', 'fromPosition', 'toPosition', 'dueDate', 'status', 'itemId'] }),
    );
    const top: { p: unknown }[] = await q.query(`SELECT MAX("position") AS p FROM "rm_t_mark"`);
    const last = top[0]?.p === null || top[0]?.p === undefined ? 0 : Number(top[0].p);
    for (const epoch of snapshotsBetween(0, last)) await writeSnapshot((sql, params) => q.query(sql, params), pg, epoch);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('rm_t_item', 'ix_rm_t_item_unit_cover');
    await q.createIndex('rm_t_item', new TableIndex({ name: 'ix_rm_t_item_unit', columnNames: ['unitId', 'fromPosition', 'toPosition'] }));
    await q.dropTable('rm_t_counter_snapshot', true);
  }
}

// The counter layout of this migration's time (rows per (owner, status, due date)); the packed layout
// that replaced it (PackedCounters1764700000000) converts these rows.
const EPOCH_SIZE = 4096;
const SNAPSHOT_EPOCHS = 16;
const COLUMNS = `"ownerKind", "ownerId", status, "dueDate", count, "onTime"`;
type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

async function writeSnapshot(query: Query, postgres: boolean, epoch: number): Promise<void> {
  const previous = epoch - SNAPSHOT_EPOCHS;
  await query(placeholders(`DELETE FROM "rm_t_counter_snapshot" WHERE epoch = ?`, postgres), [epoch]);
  await query(
    placeholders(
      `INSERT INTO "rm_t_counter_snapshot" ("ownerKind", "ownerId", epoch, status, "dueDate", count, "onTime") ` +
        `SELECT x."ownerKind", x."ownerId", ?, x.status, x."dueDate", SUM(x.count), SUM(x."onTime") FROM (` +
        `SELECT ${COLUMNS} FROM "rm_t_counter_snapshot" WHERE epoch = ? ` +
        `UNION ALL SELECT ${COLUMNS} FROM "rm_t_counter_epoch" WHERE epoch >= ? AND epoch < ?` +
        `) x GROUP BY x."ownerKind", x."ownerId", x.status, x."dueDate" HAVING SUM(x.count) <> 0 OR SUM(x."onTime") <> 0`,
      postgres,
    ),
    [epoch, previous, Math.max(0, previous), epoch],
  );
}

function snapshotsBetween(before: number, after: number): number[] {
  const span = SNAPSHOT_EPOCHS * EPOCH_SIZE;
  const out: number[] = [];
  for (let at = (Math.floor(before / span) + 1) * span; at <= after; at += span) out.push((at / EPOCH_SIZE) | 0);
  return out;
}
