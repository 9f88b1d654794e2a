import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '@ledger/platform';
import { createApp } from '../apps/api/src/create-app';

/**
 * The API stops on the signals an operator or a supervisor sends to stop it, and on no other: SIGUSR2
 * is what `node --heapsnapshot-signal=SIGUSR2` answers with a heap snapshot, taken from a running API to
 * see where its memory goes (NestJS's enableShutdownHooks() without a list listens to SIGUSR2 too).
 */
describe('the API’s shutdown signals', () => {
  it('SIGTERM, SIGINT and SIGHUP close it; SIGUSR2 and the others of NestJS’s list are left alone', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-signals-'));
    const signals = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2', 'SIGQUIT', 'SIGABRT'] as const;
    const before = Object.fromEntries(signals.map((s) => [s, process.listenerCount(s)]));
    const app = await createApp({ config: loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_DEADLINE_WORKER: 'off' }), logger: false });
    try {
      await app.init();
      const added = Object.fromEntries(signals.map((s) => [s, process.listenerCount(s) - before[s]]));
      expect(added).toEqual({ SIGTERM: 1, SIGINT: 1, SIGHUP: 1, SIGUSR2: 0, SIGQUIT: 0, SIGABRT: 0 });
    } finally {
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
