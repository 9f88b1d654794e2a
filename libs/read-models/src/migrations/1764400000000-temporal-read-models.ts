import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';
import { isPostgres } from '../db/sql';

const id = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '64', isNullable: nullable });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const big = (name: string): TableColumnOptions => ({ name, type: 'bigint', isNullable: false });
const int = (name: string, nullable = false, dflt?: number): TableColumnOptions => ({
  name,
  type: 'integer',
  isNullable: nullable,
  ...(dflt === undefined ? {} : { default: String(dflt) }),
});
const pk = (c: TableColumnOptions): TableColumnOptions => ({ ...c, isPrimary: true });

/** The temporal read models (issue 5): versions by position, counter changes, the inspectors' facts, time marks. */
export class TemporalReadModels1764400000000 implements MigrationInterface {
  name = 'TemporalReadModels1764400000000';

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
    const version = [big('toPosition'), str('fromAt', 40)];

    await table('rm_t_mark', [pk(big('atMs')), big('position')]);
    await table('rm_t_unit', [
      pk(id('unitId')),
      pk(big('fromPosition')),
      ...version,
      str('name', 200),
      str('kind', 32),
      id('parentId', true),
      str('path', 2000),
      bool('dissolved', false, false),
    ]);
    await table('rm_t_cadre', [
      pk(id('cadreId')),
      pk(big('fromPosition')),
      ...version,
      str('name', 200),
      id('unitId'),
      str('post', 200),
      bool('has_left', false, false),
    ]);
    await table(
      'rm_t_item',
      [
        pk(id('itemId')),
        pk(big('fromPosition')),
        ...version,
        id('sheetId'),
        str('title', 500),
        { name: 'requirements', type: 'text', isNullable: false },
        id('unitId'),
        { name: 'supportUnitIds', type: 'text', isNullable: false },
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
        str('assignedOn', 10),
        int('returns', false, 0),
        int('extensions', false, 0),
        int('urges', false, 0),
      ],
      [
        ['ix_rm_t_item_unit', ['unitId', 'fromPosition', 'toPosition']],
        ['ix_rm_t_item_to', ['toPosition', 'fromPosition']],
      ],
    );
    const counter = [pk(str('status', 16)), pk(str('dueDate', 10)), int('count'), int('onTime')];
    await table('rm_t_counter', [pk(str('ownerKind', 8)), pk(id('ownerId')), pk(big('position')), ...counter]);
    await table('rm_t_counter_epoch', [pk(str('ownerKind', 8)), pk(id('ownerId')), pk(int('epoch')), ...counter]);
    await table(
      'rm_t_item_fact',
      [
        pk(big('position')),
        id('itemId'),
        str('kind', 12),
        str('day', 10),
        id('unitId'),
        str('unitPath', 2000),
        id('cadreId'),
        int('days', true),
        int('returns', false, 0),
        int('extensions', false, 0),
        int('urges', false, 0),
      ],
      [
        ['ix_rm_t_item_fact_day', ['day', 'kind']],
        ['ix_rm_t_item_fact_cadre', ['cadreId', 'day']],
      ],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['rm_t_item_fact', 'rm_t_counter_epoch', 'rm_t_counter', 'rm_t_item', 'rm_t_cadre', 'rm_t_unit', 'rm_t_mark']) await q.dropTable(t, true);
  }
}
