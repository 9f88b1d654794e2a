import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventStoreContract } from '@ledger/event-store/testing/contract-suite';
import { openSqliteEventStore, SqliteEventStore } from './sqlite-event-store';

const dirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-sqlite-'));
  dirs.push(dir);
  return path.join(dir, 'events.sqlite');
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

eventStoreContract('sqlite', async () => {
  const file = tempFile();
  const store = await openSqliteEventStore({ file, synchronous: 'NORMAL' });
  return {
    store,
    reopen: () => openSqliteEventStore({ file, synchronous: 'NORMAL' }),
    cleanup: () => store.close(),
  };
});
