import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { COUNTER_LAYOUT } from '../temporal/counters';

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
    // Back to whole snapshots: every owner's newest row copied into each snapshot after it, then the empty rows gone.
    await q.query(
      `INSERT INTO "rm_t_counter_snapshot" ("ownerKind", "ownerId", "epoch", "counts")
       SELECT p."ownerKind", p."ownerId", s."epoch", p."counts" FROM "rm_t_counter_snapshot" p
       JOIN (SELECT "epoch" + 1 AS "epoch" FROM "rm_t_epoch" WHERE "events" = ${E} AND ("epoch" + 1) % ${S} = 0) s ON s."epoch" > p."epoch"
       WHERE NOT EXISTS (SELECT 1 FROM "rm_t_counter_snapshot" n WHERE n."ownerKind" = p."ownerKind" AND n."ownerId" = p."ownerId" AND n."epoch" > p."epoch" AND n."epoch" <= s."epoch")`,
    );
    await q.query(`DELETE FROM "rm_t_counter_snapshot" WHERE "counts" = '[]'`);
    await q.createIndex('rm_t_counter_snapshot', new TableIndex({ name: 'ix_rm_t_counter_snapshot_epoch', columnNames: ['epoch'] }));
  }
}
