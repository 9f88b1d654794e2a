import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { COUNTER_LAYOUT } from '../temporal/counters';
import { placeholders } from '../db/sql';

/**
 * Issue 20: a counter snapshot held every owner, so writing one copied all of them (4.6 s of a live
 * batch in the 100-county province, every 65,536 events). From here a snapshot holds only the owners
 * that changed since the one before, and an owner's snapshot as of epoch s is its newest row at or
 * before s. Snapshots written before left an owner whose counters fell to zero out (no row: zero);
 * read the new way, its older row would stand, so each such owner gets an empty row (`[]`) at the
 * snapshot that left it out. One statement: it sees only the rows written before, so an owner left
 * out of several snapshots in a row gets one at the first of them, which stands for the rest.
 * The (epoch) index served the whole copy's read; the owners' rows are now found by key.
 */
export class CounterSnapshotDeltas1765550000000 implements MigrationInterface {
  name = 'CounterSnapshotDeltas1765550000000';

  async up(q: QueryRunner): Promise<void> {
    const { epochSize: E, snapshotEpochs: S } = COUNTER_LAYOUT;
    // Snapshot s is written when epoch s − 1 closes (holds E events).
    await q.query(
      `INSERT INTO "rm_t_counter_snapshot" ("ownerKind", "ownerId", "epoch", "counts")
       SELECT p."ownerKind", p."ownerId", p."epoch" + ${S}, '[]' FROM "rm_t_counter_snapshot" p
       WHERE EXISTS (SELECT 1 FROM "rm_t_epoch" e WHERE e."epoch" = p."epoch" + ${S - 1} AND e."events" = ${E})
         AND NOT EXISTS (SELECT 1 FROM "rm_t_counter_snapshot" n WHERE n."ownerKind" = p."ownerKind" AND n."ownerId" = p."ownerId" AND n."epoch" = p."epoch" + ${S})`,
    );
    await q.dropIndex('rm_t_counter_snapshot', 'ix_rm_t_counter_snapshot_epoch');
  }

  async down(q: QueryRunner): Promise<void> {
    const { epochSize: E, snapshotEpochs: S } = COUNTER_LAYOUT;
    // The index first: each snapshot is then copied forward from the one before it by epoch.
    await q.createIndex('rm_t_counter_snapshot', new TableIndex({ name: 'ix_rm_t_counter_snapshot_epoch', columnNames: ['epoch'] }));
    const closed: { epoch: unknown }[] = await q.query(`SELECT "epoch" FROM "rm_t_epoch" WHERE "events" = ${E} AND ("epoch" + 1) % ${S} = 0`);
    await snapshotsToWhole(
      (sql, params) => q.query(sql, params),
      q.connection.driver.options.type === 'postgres',
      closed.map((r) => Number(r.epoch) + 1),
    );
  }
}

/**
 * Snapshots of changed owners back to whole ones, for the snapshot epochs given: in ascending order,
 * each takes every row of the one before that it lacks (the one before whole by then), then the empty
 * rows (`[]`) go. Also for PackedCounters1764700000000, which writes the snapshots with today's code:
 * the snapshots it leaves must be whole, as the code of its time wrote them, for this migration to
 * mark them right.
 */
export async function snapshotsToWhole(query: (sql: string, params?: unknown[]) => Promise<unknown>, pg: boolean, epochs: number[]): Promise<void> {
  const ascending = [...new Set(epochs)].sort((a, b) => a - b);
  for (let i = 1; i < ascending.length; i++) {
    await query(
      placeholders(
        `INSERT INTO "rm_t_counter_snapshot" ("ownerKind", "ownerId", "epoch", "counts")
         SELECT p."ownerKind", p."ownerId", CAST(? AS integer), p."counts" FROM "rm_t_counter_snapshot" p
         WHERE p."epoch" = ? AND NOT EXISTS (SELECT 1 FROM "rm_t_counter_snapshot" n WHERE n."ownerKind" = p."ownerKind" AND n."ownerId" = p."ownerId" AND n."epoch" = ?)`,
        pg,
      ),
      [ascending[i], ascending[i - 1], ascending[i]],
    );
  }
  await query(`DELETE FROM "rm_t_counter_snapshot" WHERE "counts" = '[]'`);
}
