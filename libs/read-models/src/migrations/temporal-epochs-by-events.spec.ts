import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openReadModels } from '../data-source';

/**
 * Temporal models projected before the counters' epochs counted events: built from SQLite or
 * PostgreSQL, where positions are 1, 2, 3 …, so their epochs of 4,096 positions are epochs of 4,096
 * events. The migration records their ends up to the last position the models hold (their newest mark).
 */
describe('migration TemporalEpochsByEvents1765100000000 on temporal models projected before it', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-t-epochs-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Opens the read models as they stood before the migration (its table gone, it not yet run), holding the log up to `last`. */
  async function before(last: number): Promise<void> {
    const ds = await openReadModels({ dataDir: dir, readDbUrl: null });
    await ds.query(`DROP TABLE "rm_t_epoch"`);
    await ds.query(`DELETE FROM "rm_migrations" WHERE "name" = 'TemporalEpochsByEvents1765100000000'`);
    if (last > 0) await ds.query(`INSERT INTO "rm_t_mark" ("atMs", "position") VALUES (1772000000000, 17), (1772000000500, ?)`, [last]);
    await ds.destroy();
  }

  async function epochs(): Promise<[number, number, number][]> {
    const ds = await openReadModels({ dataDir: dir, readDbUrl: null });
    try {
      const rows: { epoch: number; events: number; lastPosition: number }[] = await ds.query(
        `SELECT "epoch", "events", "lastPosition" FROM "rm_t_epoch" ORDER BY "epoch"`,
      );
      return rows.map((r) => [Number(r.epoch), Number(r.events), Number(r.lastPosition)]);
    } finally {
      await ds.destroy();
    }
  }

  it('records two closed epochs and the open one for a log held up to position 10,000', async () => {
    await before(10_000);
    // 10,000 = 2 · 4,096 + 1,808.
    expect(await epochs()).toEqual([
      [0, 4096, 4096],
      [1, 4096, 8192],
      [2, 1808, 10_000],
    ]);
  });

  it('records only closed epochs when the log ends on an epoch boundary, and nothing for empty models', async () => {
    await before(8192);
    expect(await epochs()).toEqual([
      [0, 4096, 4096],
      [1, 4096, 8192],
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    await before(0);
    expect(await epochs()).toEqual([]);
  });
});
