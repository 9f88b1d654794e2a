/**
 * The live generation of SQLite read models: named by a control file, switched by a rename; an open
 * DataSource follows a switch between transactions, never inside one; an old generation is dropped
 * only once no connection has it open. Real SQLite files in a temp folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { eventually } from '@ledger/platform/testing/eventually';
import { openReadModels } from '../data-source';
import { CheckpointRow } from '../checkpoint/checkpoint.entity';
import { ACTIVE_CONTROL_FILE, activeGenerationFile, dropGeneration, generationFiles, nextGeneration, switchActiveGeneration } from './sqlite-generations';

describe('SQLite read-model generations', () => {
  let dir: string;
  const open: DataSource[] = [];
  const config = () => ({ dataDir: dir, readDbUrl: null });
  const readModels = async (generation?: string) => {
    const ds = await openReadModels(config(), generation ? { generation } : {});
    open.push(ds);
    return ds;
  };
  /** A mark in a generation's checkpoint table, to tell the files apart through a DataSource. */
  const mark = async (ds: DataSource, value: string) =>
    ds.query(`INSERT INTO rm_checkpoint (name, position) VALUES ('mark', ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position`, [value]);
  const markOf = async (ds: DataSource) =>
    ((await ds.query(`SELECT position FROM rm_checkpoint WHERE name = 'mark'`)) as Array<{ position: string }>)[0]?.position;

  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-generations-'))));
  afterEach(async () => {
    for (const ds of open.splice(0)) if (ds.isInitialized) await ds.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('generation 0 is read-models.sqlite until a control file names another; a control file naming anything else is refused', async () => {
    expect(activeGenerationFile(dir)).toBe('read-models.sqlite');
    expect(nextGeneration(dir)).toBe(1);
    switchActiveGeneration(dir, 'read-models.4.sqlite');
    expect(activeGenerationFile(dir)).toBe('read-models.4.sqlite');
    expect(nextGeneration(dir)).toBe(5);
    expect(() => switchActiveGeneration(dir, '../events.sqlite')).toThrow(/not a read-model generation file/);
    fs.writeFileSync(path.join(dir, ACTIVE_CONTROL_FILE), '../events.sqlite\n');
    expect(() => activeGenerationFile(dir)).toThrow(/names "\.\.\/events\.sqlite", not a read-model generation file/);
    await expect(openReadModels(config())).rejects.toThrow(/not a read-model generation file/);
  });

  it('an open DataSource moves to the new generation after a switch, between transactions, never inside one', async () => {
    const live = await readModels();
    await mark(live, 'zero');
    const next = await readModels('read-models.1.sqlite');
    await mark(next, 'one');

    const inside: string[] = [];
    await live.transaction(async (em) => {
      inside.push(((await em.query(`SELECT position FROM rm_checkpoint WHERE name = 'mark'`)) as Array<{ position: string }>)[0].position);
      switchActiveGeneration(dir, 'read-models.1.sqlite');
      // Queries of any kind while the transaction is open: it stays on the file it began on.
      inside.push((await live.query(`SELECT position FROM rm_checkpoint WHERE name = 'mark'`))[0].position);
      inside.push(((await em.query(`SELECT position FROM rm_checkpoint WHERE name = 'mark'`)) as Array<{ position: string }>)[0].position);
    });
    expect(inside).toEqual(['zero', 'zero', 'zero']);
    // The next query, of whatever kind, is on the new generation.
    expect(await markOf(live)).toBe('one');
    expect((await live.getRepository(CheckpointRow).findOneBy({ name: 'mark' }))?.position).toBe('one');
    // A DataSource opened now opens the new generation.
    expect(await markOf(await readModels())).toBe('one');
  });

  it('looks at the control file off the queries: 100 queries and 100 transactions stat it 0 times (500 before), and still follow a switch by another process', async () => {
    const live = await readModels();
    await mark(live, 'zero');
    const next = await readModels('read-models.1.sqlite');
    await mark(next, 'one');
    // Stats of the control file made inside a call of the DataSource (its synchronous part, where the check ran).
    let depth = 0;
    for (const name of ['query', 'transaction', 'createQueryRunner'] as const) {
      const call = (live[name] as (...args: unknown[]) => unknown).bind(live);
      (live as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        depth++;
        try {
          return call(...args);
        } finally {
          depth--;
        }
      };
    }
    const nodeFs = jest.requireActual<typeof fs>('node:fs');
    const statSync = nodeFs.statSync;
    let onQueries = 0;
    const spy = jest.spyOn(nodeFs, 'statSync').mockImplementation(((file: fs.PathLike, options?: fs.StatSyncOptions) => {
      if (depth > 0 && String(file).endsWith(ACTIVE_CONTROL_FILE)) onQueries++;
      return statSync(file, options);
    }) as typeof fs.statSync);
    try {
      for (let i = 0; i < 100; i++) expect(await markOf(live)).toBe('zero');
      for (let i = 0; i < 100; i++) await live.transaction((em) => em.query(`SELECT position FROM rm_checkpoint WHERE name = 'mark'`));
    } finally {
      spy.mockRestore();
    }
    expect(onQueries).toBe(0);

    // Another process switches (the rename, without this process's switchActiveGeneration): followed all the same.
    fs.writeFileSync(path.join(dir, 'other.tmp'), 'read-models.1.sqlite\n');
    fs.renameSync(path.join(dir, 'other.tmp'), path.join(dir, ACTIVE_CONTROL_FILE));
    await eventually('the DataSource follows a switch made elsewhere', async () => (await markOf(live)) === 'one', { timeoutMs: 30_000 });
  });

  it('an idle DataSource follows a switch by itself, and the old generation is dropped only once nothing has it open', async () => {
    const live = await readModels();
    await mark(live, 'zero');
    const next = await readModels('read-models.1.sqlite');
    await mark(next, 'one');
    const old = await readModels('read-models.sqlite');
    switchActiveGeneration(dir, 'read-models.1.sqlite');
    // `old` (opened on that file as it is, as a rebuild opens the set it retires) still has it open.
    expect(dropGeneration(dir, 'read-models.sqlite')).toBe(false);
    expect(() => dropGeneration(dir, 'read-models.1.sqlite')).toThrow(/is the live read-model generation/);
    await old.destroy();
    // `live` runs no query of its own: it moves by itself, and closes the old file a little later.
    await eventually('the follower lets go of the old generation', () => dropGeneration(dir, 'read-models.sqlite'), { timeoutMs: 30_000 });
    expect(generationFiles(dir)).toEqual(['read-models.1.sqlite']);
    expect(await markOf(live)).toBe('one');
  });
});
