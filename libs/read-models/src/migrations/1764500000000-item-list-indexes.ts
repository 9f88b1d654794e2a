import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Covering (unit, sort key, id) indexes: a subtree's page of items is read from the index alone. */
export class ItemListIndexes1764500000000 implements MigrationInterface {
  name = 'ItemListIndexes1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('rm_item', new TableIndex({ name: 'ix_rm_item_unit_due_id', columnNames: ['unitId', 'dueDate', 'id'] }));
    await q.createIndex('rm_item', new TableIndex({ name: 'ix_rm_item_unit_updated_id', columnNames: ['unitId', 'updatedAt', 'id'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('rm_item', 'ix_rm_item_unit_updated_id');
    await q.dropIndex('rm_item', 'ix_rm_item_unit_due_id');
  }
}
