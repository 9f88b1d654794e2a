import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { openReadModels } from '../data-source';
import { COUNTER_LAYOUT } from '../temporal/counters';
import { EventScript } from './county-script';

/**
 * For a spec comparing read models written different ways from one log: the log in a SQLite store,
 * written by `write` once, fresh read-model databases on the engine under test (`open`), and a small
 * counter layout (epochs, snapshots) for the spec's duration so that a short log closes many of them.
 */
export function useEngineBench(
  engine: 'sqlite' | 'postgres',
  layout: { epochSize: number; snapshotEpochs: number },
  write: (script: EventScript, store: EventStore) => Promise<void>,
  timeoutMs = 180_000,
): { readonly store: EventStore; open(name: string): Promise<DataSource> } {
  // Jest's globals, reached through globalThis so that this file also compiles without @types/jest.
  const { beforeAll, afterAll } = globalThis as unknown as {
    beforeAll(fn: () => Promise<void>, timeout?: number): void;
    afterAll(fn: () => Promise<void>, timeout?: number): void;
  };
  const saved = { ...COUNTER_LAYOUT };
  const opened: DataSource[] = [];
  let dir: string;
  let store: EventStore | undefined;
  let pg: TestPostgres | undefined;

  beforeAll(async () => {
    Object.assign(COUNTER_LAYOUT, layout);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-engine-bench-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    if (engine === 'postgres') pg = await startTestPostgres();
    await write(new EventScript(store), store);
  }, timeoutMs);

  afterAll(async () => {
    Object.assign(COUNTER_LAYOUT, saved);
    for (const ds of opened) await ds.destroy();
    await store?.close();
    await pg?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  return {
    get store() {
      return store!;
    },
    async open(name) {
      const readDbUrl = engine === 'postgres' ? await createTestDatabase(pg!.serverUrl) : null;
      const ds = await openReadModels({ dataDir: path.join(dir, name), readDbUrl });
      opened.push(ds);
      return ds;
    },
  };
}
