import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { openReadModels } from '../data-source';
import { ItemVersionRow, CadreVersionRow, OPEN_END } from '../temporal/entities';
import { ItemCounterRow } from '../figures/item-counter.entity';
import { copyRows } from './copy-rows';

/**
 * copyRows on PostgreSQL stores what TypeORM's own INSERT stores for the same rows, column for column
 * (as the server gives each back as text): JSON, booleans true/false/null, bigints through their
 * transformer, and texts holding COPY's own specials (tab, newline, carriage return, backslash, \N).
 */
describe('copyRows (postgres)', () => {
  let pg: TestPostgres;
  let dir: string;
  let ds: DataSource;

  beforeAll(async () => {
    pg = await startTestPostgres();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-copy-rows-'));
    ds = await openReadModels({ dataDir: dir, readDbUrl: await createTestDatabase(pg.serverUrl) });
  });

  afterAll(async () => {
    await ds?.destroy();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Every column as text, ordered by the whole row. */
  const asText = async (table: string): Promise<unknown[]> => {
    const columns: string[] = (
      await ds.query(`SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, [table])
    ).map((c: { column_name: string }) => c.column_name);
    const list = columns.map((c) => `"${c}"::text AS "${c}"`).join(', ');
    return ds.query(`SELECT ${list} FROM "${table}" ORDER BY ${columns.map((_, i) => i + 1).join(', ')}`);
  };

  /** The rows inserted by TypeORM, read back, then the same rows copied in instead, read back. */
  const both = async <R extends ObjectLiteral>(entity: EntityTarget<R>, rows: R[]) => {
    const table = ds.getMetadata(entity).tableName;
    await ds.query(`DELETE FROM "${table}"`);
    await ds.getRepository(entity).insert(rows.map((r) => ({ ...r })) as never);
    const inserted = await asText(table);
    await ds.query(`DELETE FROM "${table}"`);
    await ds.transaction((em) =>
      copyRows(
        em,
        entity,
        rows.map((r) => ({ ...r })),
      ),
    );
    return { inserted, copied: await asText(table) };
  };

  const version = (id: string, fromPosition: number, over: Partial<ItemVersionRow> = {}): ItemVersionRow =>
    Object.assign(new ItemVersionRow(), {
      id,
      fromPosition,
      toPosition: OPEN_END,
      fromAt: '2026-03-01T08:00:00.000Z',
      sheetId: 's1',
      title: '标题',
      requirements: '要求',
      unitId: 'u1',
      supportUnitIds: ['u2', 'u\t3'],
      cadreId: 'c1',
      leaderId: null,
      status: 'open',
      dueDate: '2026-03-31',
      originalDueDate: '2026-03-31',
      concludedOn: null,
      onTime: null,
      urgeLevel: null,
      accountabilityCount: 0,
      liveDecisionIds: '[]',
      deadlineMissedFor: null,
      createdAt: '2026-03-01T08:00:00.000Z',
      updatedAt: '2026-03-01T08:00:00.000Z',
      revision: 1,
      position: '7',
      assignedOn: '2026-03-01',
      returns: 0,
      extensions: 0,
      urges: 0,
      ...over,
    });

  it('stores item versions as an INSERT does, specials and all', async () => {
    const rows = [
      version('i1', 1),
      version('i1', 9, { toPosition: 12, onTime: true, title: 'tab\there, newline\nthere, cr\rand a \\ backslash', requirements: '\\N', leaderId: 'c\\2' }),
      version('i2', 3, { onTime: false, concludedOn: '2026-03-20', supportUnitIds: [], accountabilityCount: 2, requirements: 'N\\' }),
    ];
    const { inserted, copied } = await both(ItemVersionRow, rows);
    expect(inserted).toHaveLength(3);
    expect(copied).toEqual(inserted);
    // Read back by hand: the texts are the ones given, byte for byte.
    const i1 = (copied as Record<string, string | null>[]).find((r) => r.itemId === 'i1' && r.fromPosition === '9')!;
    expect(i1).toMatchObject({
      title: 'tab\there, newline\nthere, cr\rand a \\ backslash',
      requirements: '\\N',
      leaderId: 'c\\2',
      onTime: 'true',
      toPosition: '12',
    });
    expect((copied as Record<string, string | null>[]).find((r) => r.itemId === 'i1' && r.fromPosition === '1')!.onTime).toBeNull();
    expect((copied as Record<string, string | null>[]).find((r) => r.itemId === 'i2')!.supportUnitIds).toBe('[]');
  });

  it('stores a renamed boolean column and counters as an INSERT does', async () => {
    const cadres: CadreVersionRow[] = [
      { cadreId: 'c1', fromPosition: 2, toPosition: OPEN_END, fromAt: '2026-03-01T08:00:00.000Z', name: '张三', unitId: 'u1', post: '科长', left: false },
      { cadreId: 'c2', fromPosition: 4, toPosition: 8, fromAt: '2026-03-02T08:00:00.000Z', name: 'Li\tSi', unitId: 'u2', post: '', left: true },
    ];
    const c = await both(CadreVersionRow, cadres);
    expect(c.copied).toEqual(c.inserted);
    expect((c.copied as Record<string, string>[]).map((r) => r.has_left)).toEqual(['false', 'true']);
    const counters: ItemCounterRow[] = [
      { ownerKind: 'unit', ownerId: 'u1', status: 'open', dueDate: '2026-03-31', count: 3, onTime: 0 },
      { ownerKind: 'subtree', ownerId: 'u1', status: 'concluded', dueDate: '2026-03-31', count: -1, onTime: 2 },
    ];
    const k = await both(ItemCounterRow, counters);
    expect(k.copied).toEqual(k.inserted);
    expect(k.copied).toHaveLength(2);
  });
});
