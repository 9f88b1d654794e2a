import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';
import { isPostgres } from '../db/sql';

const id = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '64', isNullable: nullable });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
const int = (name: string, nullable = false, dflt?: number): TableColumnOptions => ({
  name,
  type: 'integer',
  isNullable: nullable,
  ...(dflt === undefined ? {} : { default: String(dflt) }),
});
const pk = (c: TableColumnOptions): TableColumnOptions => ({ ...c, isPrimary: true });

/** The read models as of issue 3. Written for SQLite and PostgreSQL alike (TypeORM's Table API). */
export class InitialReadModels1764300000000 implements MigrationInterface {
  name = 'InitialReadModels1764300000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = isPostgres(q.connection);
    const bool = (name: string, nullable = false, dflt?: boolean): TableColumnOptions => ({
      name,
      type: 'boolean',
      isNullable: nullable,
      ...(dflt === undefined ? {} : { default: pg ? String(dflt) : dflt ? '1' : '0' }),
    });
    const table = async (name: string, columns: TableColumnOptions[], indices: [string, string[]][] = []) => {
      await q.createTable(new Table({ name, columns }), true);
      for (const [indexName, cols] of indices) await q.createIndex(name, new TableIndex({ name: indexName, columnNames: cols }));
    };

    await table('rm_checkpoint', [pk(str('name', 64)), str('position', 20)]);
    await table(
      'rm_unit',
      [pk(id('id')), str('name', 200), str('kind', 32), id('parentId', true), str('path', 2000), bool('dissolved', false, false)],
      [
        ['ix_rm_unit_parent', ['parentId']],
        ['ix_rm_unit_path', ['path']],
      ],
    );
    await table(
      'rm_cadre',
      [pk(id('id')), str('name', 200), id('unitId'), str('post', 200), bool('has_left', false, false)],
      [['ix_rm_cadre_unit', ['unitId']]],
    );
    await table('rm_sheet', [pk(id('id')), str('number', 100), str('title', 500), str('source', 500, true), str('issuedOn', 10), str('createdAt', 40)]);
    await table(
      'rm_item',
      [
        pk(id('id')),
        id('sheetId'),
        str('title', 500),
        text('requirements'),
        id('unitId'),
        text('supportUnitIds'),
        id('cadreId'),
        id('leaderId', true),
        str('status', 16),
        str('dueDate', 10),
        str('originalDueDate', 10),
        str('concludedOn', 10, true),
        bool('onTime', true),
        str('urgeLevel', 16, true),
        int('accountabilityCount', false, 0),
        str('deadlineMissedFor', 10, true),
        str('createdAt', 40),
        str('updatedAt', 40),
        int('revision'),
        str('position', 20),
      ],
      [
        ['ix_rm_item_unit_status_due', ['unitId', 'status', 'dueDate']],
        ['ix_rm_item_cadre_due', ['cadreId', 'dueDate']],
        ['ix_rm_item_sheet_due', ['sheetId', 'dueDate']],
        ['ix_rm_item_status_due', ['status', 'dueDate', 'id']],
        ['ix_rm_item_due', ['dueDate', 'id']],
        ['ix_rm_item_updated', ['updatedAt', 'id']],
      ],
    );
    await table('rm_item_counter', [pk(str('ownerKind', 8)), pk(id('ownerId')), pk(str('status', 16)), pk(str('dueDate', 10)), int('count'), int('onTime')]);
    await table(
      'rm_accountability',
      [
        pk(id('decisionId')),
        id('itemId'),
        str('targetKind', 8),
        id('targetId'),
        str('form', 32),
        int('dispositionForm', true),
        str('decidedBy', 200),
        str('decidedOn', 10),
        str('documentNo', 100, true),
        int('effectMonths', true),
        text('reason'),
        bool('revoked', false, false),
        text('revokedReason', true),
        str('recordedAt', 40),
      ],
      [
        ['ix_rm_accountability_target', ['targetKind', 'targetId', 'decidedOn']],
        ['ix_rm_accountability_decided', ['decidedOn']],
        ['ix_rm_accountability_item', ['itemId']],
      ],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['rm_accountability', 'rm_item_counter', 'rm_item', 'rm_sheet', 'rm_cadre', 'rm_unit', 'rm_checkpoint']) await q.dropTable(t, true);
  }
}
