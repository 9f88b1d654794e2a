import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const big = (name: string): TableColumnOptions => ({ name, type: 'bigint', isNullable: false });
const text = (name: string): TableColumnOptions => ({ name, type: 'text', isNullable: false });
const pk = (c: TableColumnOptions): TableColumnOptions => ({ ...c, isPrimary: true });

/**
 * Issue 16: accounts as they are now (rm_account) and their versions by position (rm_t_account), for
 * "who held the discipline role on 2026-03-12". Empty on a ledger without accounts; the projector
 * fills them from the account events that follow.
 */
export class Accounts1765300000000 implements MigrationInterface {
  name = 'Accounts1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'rm_account',
        columns: [
          pk(str('id', 64)),
          str('login', 64),
          str('name', 200),
          str('phone', 32, true),
          str('unitId', 64, true),
          text('roles'),
          str('rank', 16, true),
          str('status', 12),
          { name: 'mustChangePassword', type: 'boolean', isNullable: false },
          str('lockedUntil', 40, true),
          str('openedAt', 40),
          str('updatedAt', 40),
          { name: 'revision', type: 'integer', isNullable: false },
        ],
      }),
      true,
    );
    await q.createIndex('rm_account', new TableIndex({ name: 'ix_rm_account_login', columnNames: ['login'] }));
    await q.createTable(
      new Table({
        name: 'rm_t_account',
        columns: [
          pk(str('accountId', 64)),
          pk(big('fromPosition')),
          big('toPosition'),
          str('fromAt', 40),
          str('login', 64),
          str('name', 200),
          str('unitId', 64, true),
          text('roles'),
          str('rank', 16, true),
          str('status', 12),
        ],
      }),
      true,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('rm_t_account', true);
    await q.dropTable('rm_account', true);
  }
}
