import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const big = (name: string): TableColumnOptions => ({ name, type: 'bigint', isNullable: false });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
const pk = (c: TableColumnOptions): TableColumnOptions => ({ ...c, isPrimary: true });

/**
 * Issue 19: the notifier's outbox. Operational state, not a read model: no entity (a rebuild of the
 * read models leaves it alone and dumps do not list it), and its checkpoint is its own table, so that
 * a rebuild, which empties rm_checkpoint, never makes it notify the whole history again.
 * - nt_checkpoint: the last position folded into nt_item and the outbox ('notifier'); the position the
 *   notifier first started at ('notify-from': events before it are folded, never announced).
 * - nt_item: what a message needs of its item (title, unit, leader, due date in force).
 * - nt_outbox: one row per message and channel; nt_attempt: every delivery attempt.
 */
export class Notifications1765400000000 implements MigrationInterface {
  name = 'Notifications1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({ name: 'nt_checkpoint', columns: [pk(str('name', 64)), str('position', 20)] }), true);
    await q.createTable(
      new Table({ name: 'nt_item', columns: [pk(str('itemId', 64)), str('title', 500), str('unitId', 64), str('leaderId', 64, true), str('dueDate', 10)] }),
      true,
    );
    await q.createTable(
      new Table({
        name: 'nt_outbox',
        columns: [
          pk(str('id', 64)),
          big('position'),
          str('eventId', 64),
          str('eventType', 64),
          str('kind', 32),
          str('itemId', 64, true),
          str('audience', 200),
          str('channel', 64),
          text('payload'),
          str('status', 12),
          int('attempts'),
          big('nextAttemptAt'),
          str('createdAt', 40),
          str('deliveredAt', 40, true),
          text('lastError', true),
        ],
      }),
      true,
    );
    await q.createIndex('nt_outbox', new TableIndex({ name: 'ix_nt_outbox_due', columnNames: ['status', 'nextAttemptAt'] }));
    await q.createTable(
      new Table({
        name: 'nt_attempt',
        columns: [pk(str('messageId', 64)), pk(int('n')), str('at', 40), str('outcome', 12), int('httpStatus', true), text('error', true), int('ms')],
      }),
      true,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('nt_attempt', true);
    await q.dropTable('nt_outbox', true);
    await q.dropTable('nt_item', true);
    await q.dropTable('nt_checkpoint', true);
  }
}
