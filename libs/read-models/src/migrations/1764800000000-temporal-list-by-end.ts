import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Issue 5: lists as of a cut late in the history read the versions by their end (see TemporalQueries.listItems). */
export class TemporalListByEnd1764800000000 implements MigrationInterface {
  name = 'TemporalListByEnd1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex(
      'rm_t_item',
      new TableIndex({ name: 'ix_rm_t_item_unit_to', columnNames: ['unitId', 'toPosition', 'fromPosition', 'dueDate', 'status', 'itemId'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('rm_t_item', 'ix_rm_t_item_unit_to');
  }
}
