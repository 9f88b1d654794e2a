import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, startTestPostgres } from './postgres';
import { eventually } from './eventually';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The server's postmaster, from the pid file it writes in its data folder. */
function postmasterOf(dataDir: string): number {
  return Number(fs.readFileSync(path.join(dataDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function statOf(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Exited: no such process, or a zombie nobody has reaped yet. */
const gone = (pid: number): boolean => (statOf(pid)?.[0] ?? 'Z') === 'Z';
const parentOf = (pid: number): number => Number(statOf(pid)?.[1]);

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

  // The embedded server's own processes are what these are about; a shared server (LEDGER_TEST_PG_URL) has none.
  const embedded = !process.env.LEDGER_TEST_PG_URL;

  it('stop() ends even when the server died first (crashed, killed): the launcher exits and the folder is deleted', async () => {
    const pg = await startTestPostgres();
    let stopped = false;
    let launcher: number | undefined;
    try {
      if (embedded) {
        const postmaster = postmasterOf(pg.dataDir as string);
        launcher = parentOf(postmaster);
        expect(gone(launcher)).toBe(false);
        process.kill(postmaster, 'SIGKILL');
        await eventually('the postmaster gone', () => gone(postmaster), { timeoutMs: 30_000 });
      }
      // Before, the launcher waited for the dead postmaster's exit a second time; with nothing left to wait on it
      // ended there, its folder (an initdb's worth) left behind.
      await pg.stop();
      stopped = true;
      if (embedded) {
        await eventually('the launcher gone', () => gone(launcher as number), { timeoutMs: 30_000 });
        expect(fs.existsSync(pg.dataDir as string)).toBe(false);
      }
    } finally {
      if (!stopped && launcher !== undefined && !gone(launcher)) process.kill(launcher, 'SIGKILL');
    }
  }, 120_000);

  it('a launcher killed from outside leaves no server behind: stop() ends its postmaster and deletes the folder', async () => {
    const pg = await startTestPostgres();
    if (!embedded) return pg.stop();
    const postmaster = postmasterOf(pg.dataDir as string);
    const launcher = parentOf(postmaster);
    try {
      process.kill(launcher, 'SIGKILL');
      await eventually('the launcher gone', () => gone(launcher), { timeoutMs: 30_000 });
      // Before, stop() saw the launcher gone and returned: the orphaned server kept running on its folder.
      await pg.stop();
      expect(gone(postmaster)).toBe(true);
      expect(fs.existsSync(pg.dataDir as string)).toBe(false);
    } finally {
      if (!gone(postmaster)) process.kill(postmaster, 'SIGKILL');
      fs.rmSync(pg.dataDir as string, { recursive: true, force: true });
    }
  }, 120_000);

  it('a launcher that does not stop its server is killed with the server after stopTimeoutMs, and stop() says so', async () => {
    const pg = await startTestPostgres({ stopTimeoutMs: 3_000 });
    if (!embedded) return pg.stop();
    const postmaster = postmasterOf(pg.dataDir as string);
    const launcher = parentOf(postmaster);
    // Frozen: it cannot see its stdin close, so it never stops the server on its own.
    process.kill(launcher, 'SIGSTOP');
    try {
      await expect(pg.stop()).rejects.toThrow(`the launcher (pid ${launcher}) did not stop its server within 3000 ms`);
      expect(gone(launcher)).toBe(true);
      expect(gone(postmaster)).toBe(true);
      expect(fs.existsSync(pg.dataDir as string)).toBe(false);
      await expect(query(pg.url, 'SELECT 1')).rejects.toThrow();
      // A second stop() is the same stop, not a second kill.
      await expect(pg.stop()).rejects.toThrow('did not stop its server');
    } finally {
      if (!gone(launcher)) {
        process.kill(launcher, 'SIGCONT');
        process.kill(launcher, 'SIGKILL');
      }
      if (!gone(postmaster)) process.kill(postmaster, 'SIGKILL');
      fs.rmSync(pg.dataDir as string, { recursive: true, force: true });
    }
  }, 120_000);
});
