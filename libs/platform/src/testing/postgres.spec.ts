import * as fs from 'node:fs';
import { Client } from 'pg';
import { createTestDatabase, startTestPostgres } from './postgres';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('startTestPostgres', () => {
  it('starts a real server with a fresh database, hands out more databases, and stops it', async () => {
    const pg = await startTestPostgres();
    let stopped = false;
    try {
      console.log(`PostgreSQL ready in ${pg.startMs} ms (${process.env.LEDGER_TEST_PG_URL ? 'LEDGER_TEST_PG_URL' : 'embedded'})`);
      const [version] = await query<{ server_version_num: string }>(pg.url, 'SHOW server_version_num');
      expect(Number(version.server_version_num)).toBeGreaterThanOrEqual(170000);
      const [own] = await query<{ db: string }>(pg.url, 'SELECT current_database() AS db');

      await query(pg.url, 'CREATE TABLE marker (x int)');
      const other = await createTestDatabase(pg.serverUrl);
      const [otherDb] = await query<{ db: string }>(other, 'SELECT current_database() AS db');
      expect(otherDb.db).not.toBe(own.db);
      const tables = await query(other, "SELECT 1 FROM pg_tables WHERE tablename = 'marker'");
      expect(tables).toEqual([]);

      await pg.stop();
      stopped = true;
      if (!process.env.LEDGER_TEST_PG_URL) {
        await expect(query(pg.url, 'SELECT 1')).rejects.toThrow();
        expect(pg.dataDir).toBeDefined();
        expect(fs.existsSync(pg.dataDir as string)).toBe(false);
      }
    } finally {
      if (!stopped) await pg.stop();
    }
  }, 120_000);
});
