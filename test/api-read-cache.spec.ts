import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '@ledger/platform';
import { ReadQueries, openReadModels } from '@ledger/read-models';
import { createApp } from '../apps/api/src/create-app';

/**
 * SQLite's page cache is per connection and grows to its bound as queries touch pages: the projector,
 * which writes, keeps 64 MB; the API, which only reads (the OS's file cache holds the pages anyway),
 * keeps 8 MB, which took 30–40 MB off its peak RSS under the list queries at 1,000,000 events.
 */
describe('the read models’ page cache per process', () => {
  it('the API’s read connection is bounded at 8 MB; a writer’s (the projector’s) at 64 MB', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-read-cache-'));
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_DEADLINE_WORKER: 'off' });
    const app = await createApp({ config, logger: false });
    const writer = await openReadModels(config);
    try {
      await app.init();
      const cacheOf = async (ds: ReadQueries['dataSource']) => ((await ds.query('PRAGMA cache_size')) as { cache_size: number }[])[0].cache_size;
      // Negative: KiB (SQLite's PRAGMA cache_size).
      expect(await cacheOf(app.get(ReadQueries).dataSource)).toBe(-8192);
      expect(await cacheOf(writer)).toBe(-65536);
    } finally {
      await writer.destroy();
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
