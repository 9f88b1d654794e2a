import { DataSource } from 'typeorm';
import { ItemRow } from '../items/item.entity';
import { ItemVersionRow } from './entities';

/**
 * An item version is the item row's columns with a key and validity of its own: a field of the item
 * view is declared once (ItemColumns) and reaches the versions, so that as-of answers cannot lag the
 * current view by a column.
 */
describe('the temporal item version', () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [ItemRow, ItemVersionRow] });
    await ds.initialize();
  });
  afterAll(() => ds.destroy());

  const shape = (entity: typeof ItemRow | typeof ItemVersionRow) =>
    new Map(
      ds
        .getMetadata(entity)
        .columns.map((c) => [
          c.propertyName,
          { column: c.databaseName, type: c.type, length: c.length, nullable: c.isNullable, default: c.default, primary: c.isPrimary },
        ]),
    );

  it('has every column of the item row, defined alike, the id stored as "itemId"', () => {
    const row = shape(ItemRow);
    const version = shape(ItemVersionRow);
    expect(row.size).toBe(21);
    for (const [property, def] of row) {
      if (property === 'id') continue;
      expect({ property, ...version.get(property) }).toEqual({ property, ...def });
    }
    expect(version.get('id')).toMatchObject({ column: 'itemId', primary: true });
    expect([...version.keys()].filter((p) => !row.has(p)).sort()).toEqual([
      'assignedOn',
      'extensions',
      'fromAt',
      'fromPosition',
      'returns',
      'toPosition',
      'urges',
    ]);
  });
});
