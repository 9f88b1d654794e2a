import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Records each time a module of this test file's registry first requires the EventStoreDB client.
const mockClientLoads: string[] = [];
jest.mock('@eventstore/db-client', () => {
  mockClientLoads.push('loaded');
  return jest.requireActual('@eventstore/db-client');
});

import { loadConfig } from './config';
import { openEventStore } from './engines';

describe('the event store engines: what a process loads', () => {
  it('a process on SQLite never loads the EventStoreDB client; one configured for EventStoreDB loads it when it opens the store', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-engines-'));
    try {
      const sqlite = await openEventStore(loadConfig({ LEDGER_DATA_DIR: dataDir }));
      expect(sqlite.engine).toBe('sqlite');
      await sqlite.close();
      expect(mockClientLoads).toEqual([]);

      // No server is needed: the client connects on its first call.
      const esdb = await openEventStore(
        loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_EVENT_STORE: 'eventstoredb', LEDGER_EVENT_STORE_URL: 'esdb://127.0.0.1:1?tls=false' }),
      );
      expect(esdb.engine).toBe('eventstoredb');
      expect(mockClientLoads).toEqual(['loaded']);
      await esdb.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
