import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 20: every 65,536 events the temporal projection writes a counter snapshot from the whole
 * previous one (`WHERE "epoch" = ?`), which the primary key (owner kind, owner, epoch) cannot find: it
 * read every snapshot ever written. In the 100-county province (5.7 GB of snapshots) that read was a
 * 1.5-2.4 s scan inside the live projector's transaction, growing with the history.
 */
export class CounterSnapshotEpoch1765540000000 implements MigrationInterface {
  name = 'CounterSnapshotEpoch1765540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('rm_t_counter_snapshot', new TableIndex({ name: 'ix_rm_t_counter_snapshot_epoch', columnNames: ['epoch'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('rm_t_counter_snapshot', 'ix_rm_t_counter_snapshot_epoch');
  }
}
