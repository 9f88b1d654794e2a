import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventually } from '@ledger/platform/testing/eventually';
import { openReadModels, readModelsSqliteFile } from './data-source';

/*
 * A process that opens a fresh read-model file while another one migrates it waits for that migration
 * however long it takes: on a loaded machine the other's write lock outlasted three busy timeouts of
 * 5 s, and a notifier started beside a projector gave up ("database is locked").
 */
describe('opening the read models while another process holds the write lock', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-rm-busy-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('waits past three busy timeouts and opens once the lock is let go', async () => {
    const file = readModelsSqliteFile({ dataDir: dir });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    let busy = 0;
    let settled: 'opened' | Error | null = null;
    const opening = openReadModels({ dataDir: dir, readDbUrl: null }, { onBusy: (tries) => (busy = tries) }).then(
      (ds) => ((settled = 'opened'), ds),
      (e: Error) => ((settled = e), null),
    );
    try {
      // Each try waits out the 5 s busy timeout: the third failure is where it used to give up.
      await eventually('three tries failed on the lock', () => busy >= 3 || settled !== null, { timeoutMs: 60_000 });
      expect(settled).toBeNull();
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    const ds = await opening;
    expect(settled).toBe('opened');
    expect(((await ds!.query(`SELECT count(*) AS n FROM "rm_migrations"`)) as Array<{ n: number }>)[0].n).toBeGreaterThan(0);
    await ds!.destroy();
  }, 90_000);
});
