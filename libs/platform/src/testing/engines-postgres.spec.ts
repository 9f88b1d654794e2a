import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { openEventStore } from '../engines';
import { useTestPostgres } from './postgres';

const pg = useTestPostgres();

describe('openEventStore with LEDGER_EVENT_STORE=postgres', () => {
  it('opens the PostgreSQL store named by LEDGER_EVENT_STORE_URL', async () => {
    const url = await pg.freshDatabase();
    const store = await openEventStore(loadConfig({ LEDGER_EVENT_STORE: 'postgres', LEDGER_EVENT_STORE_URL: url }));
    try {
      expect(store.engine).toBe('postgres');
      const id = randomUUID();
      const r = await store.append('unit-1', [{ id, type: 'UnitRenamed', schemaVersion: 1, data: { name: '和平乡党委' }, metadata: {} }], 'no_stream');
      expect(r).toEqual({ revision: 0, position: 1n });
      expect((await store.readAll({ after: 0n, limit: 10 })).map((e) => e.id)).toEqual([id]);
    } finally {
      await store.close();
    }
  });

  it('builds the EventStoreDB store for LEDGER_EVENT_STORE=eventstoredb (no server here: construction only)', async () => {
    const store = await openEventStore(loadConfig({ LEDGER_EVENT_STORE: 'eventstoredb', LEDGER_EVENT_STORE_URL: 'esdb://localhost:2113?tls=false' }));
    expect(store.engine).toBe('eventstoredb');
    await store.close();
  });
});
