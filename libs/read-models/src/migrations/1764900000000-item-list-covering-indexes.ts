import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Lists by light within a subtree sorted by update (unit, status, due date range, then updatedAt and
 * id from the index), and a sheet's items by status (counted and paged from the index alone).
 */
export class ItemListCoveringIndexes1764900000000 implements MigrationInterface {
  name = 'ItemListCoveringIndexes1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.dropIndex('rm_item', 'ix_rm_item_unit_status_due');
    await q.createIndex(
      'rm_item',
      new TableIndex({ name: 'ix_rm_item_unit_status_due_updated', columnNames: ['unitId', 'status', 'dueDate', 'updatedAt', 'id'] }),
    );
    await q.createIndex('rm_item', new TableIndex({ name: 'ix_rm_item_sheet_status_due', columnNames: ['sheetId', 'status', 'dueDate', 'id'] }));
    // The planner needs statistics on the new indexes to prefer them.
    await q.query('ANALYZE rm_item');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('rm_item', 'ix_rm_item_sheet_status_due');
    await q.dropIndex('rm_item', 'ix_rm_item_unit_status_due_updated');
    await q.createIndex('rm_item', new TableIndex({ name: 'ix_rm_item_unit_status_due', columnNames: ['unitId', 'status', 'dueDate'] }));
  }
}
