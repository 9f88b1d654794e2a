/**
 * The story of issue 3 (item 4) end to end, on each engine: see test/support/story.ts for the steps.
 */
import { startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { postgresEngineMissing, startLedger } from './support/ledger';
import { story } from './support/story';

describe('the story on SQLite (events and read models in real files)', () => {
  story('sqlite', () => startLedger({ engine: 'sqlite' }));
});

describe('the story on PostgreSQL (events: LEDGER_EVENT_STORE=postgres; read models: LEDGER_READ_DB_URL)', () => {
  let server: TestPostgres | undefined;
  story(
    'postgres',
    async () => {
      server = await startTestPostgres();
      const missing = await postgresEngineMissing(server);
      return missing ?? startLedger({ engine: 'postgres', postgres: server });
    },
    async () => {
      await server?.stop();
    },
  );
});
