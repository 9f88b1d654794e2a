import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The outbox's retention and subtree routes (issue 19):
 * - ix_nt_outbox_delivered: the purge finds the oldest delivered messages without reading the rest.
 * - nt_unit: the organisation tree as the notifier has folded it (unit → parent), for `unitsUnder` routes
 *   matched against the tree as it stands at the event.
 * - nt_scheduled: every scheduled message queued (a period's bulletin), kept after its outbox rows are
 *   purged so that a restart never queues it again; filled from the outbox rows already there.
 */
export class NotificationsRetention1765450000000 implements MigrationInterface {
  name = 'NotificationsRetention1765450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('nt_outbox', new TableIndex({ name: 'ix_nt_outbox_delivered', columnNames: ['status', 'deliveredAt'] }));
    await q.createTable(
      new Table({
        name: 'nt_unit',
        columns: [
          { name: 'unitId', type: 'varchar', length: '64', isPrimary: true },
          { name: 'parentId', type: 'varchar', length: '64', isNullable: true },
        ],
      }),
      true,
    );
    await q.createTable(
      new Table({
        name: 'nt_scheduled',
        columns: [
          { name: 'key', type: 'varchar', length: '200', isPrimary: true },
          { name: 'queuedAt', type: 'varchar', length: '40' },
        ],
      }),
      true,
    );
    await q.query(
      `INSERT INTO "nt_scheduled" ("key", "queuedAt") SELECT "eventId", MIN("createdAt") FROM "nt_outbox" WHERE "eventType" = 'Scheduled' GROUP BY "eventId"`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('nt_scheduled', true);
    await q.dropTable('nt_unit', true);
    await q.dropIndex('nt_outbox', 'ix_nt_outbox_delivered');
  }
}
