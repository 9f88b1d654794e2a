/**
 * The integrity stores keep pools of PostgreSQL connections. When the server ends an idle one (a restart,
 * an administrator's pg_terminate_backend, a fast shutdown while an instance closes), pg-pool emits
 * 'error' on the pool; with no listener that is an uncaught exception, which brings down the API
 * process (a CI run failed on it: "terminating connection due to administrator command"). The store
 * must stay up and answer again on a fresh connection.
 */
import { Client } from 'pg';
import { eventually } from '@ledger/platform/testing/eventually';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { PostgresAccessAuditStore } from './access-audit/access-audit-store';
import { accessEntry } from './access-audit/testing/entry';
import { PostgresCheckpointStore } from './log/checkpoint-store';

const pg = useTestPostgres();

/** Ends every other connection to the database, as an administrator would; returns how many it ended. */
async function terminateOthers(url: string): Promise<number> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: string }>(
      'SELECT count(*) AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) t',
    );
    // Wait until the ended backends are gone, so their goodbye has been sent to the pool's idle clients.
    await eventually('the ended connections gone', async () => {
      const left = await admin.query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      return left.rows[0].n === '0';
    });
    return Number(rows[0].n);
  } finally {
    await admin.end();
  }
}

describe('integrity stores whose idle PostgreSQL connections the server ends', () => {
  it('the checkpoint store stays up and answers again', async () => {
    const url = await pg.freshDatabase();
    const store = PostgresCheckpointStore.open(url, 'sm3');
    try {
      const saved = await store.saveCheckpoint({
        treeSize: 3,
        root: 'cd'.repeat(32),
        algorithm: 'sm3-sm2',
        issuedAt: '2026-03-02T01:00:00.000Z',
        keyId: 'k'.repeat(64),
        signature: 's3',
        witnesses: [],
      });
      expect(await terminateOthers(url)).toBeGreaterThan(0);
      // The first look may meet a connection the server ended; a later one gets a fresh connection.
      const again = await eventually('the checkpoint read again', () => store.checkpoint(3).catch(() => null));
      expect(again).toEqual(saved);
    } finally {
      await store.close();
    }
  });

  it('the access audit store (written, and opened to read) stays up and answers again', async () => {
    const url = await pg.freshDatabase();
    const store = await PostgresAccessAuditStore.open(url);
    const reader = await PostgresAccessAuditStore.openExisting(url);
    try {
      await store.append([accessEntry({ at: '2026-03-02T01:00:00.000Z', actor: 'u-1', name: '张督查' })]);
      expect((await reader!.query({}, 0, 10)).total).toBe(1);
      expect(await terminateOthers(url)).toBeGreaterThan(1);
      const seen = await eventually('the trail read again', () => reader!.query({}, 0, 10).catch(() => null));
      expect(seen.entries.map((e) => [e.actor, e.action])).toEqual([['u-1', 'register-read']]);
      const written = await eventually('the trail written again', () =>
        store.append([accessEntry({ at: '2026-03-02T01:01:00.000Z', actor: 'u-2', name: '李督查' })]).catch(() => null),
      );
      expect(written.map((e) => e.actor)).toEqual(['u-2']);
    } finally {
      await store.close();
      await reader?.close();
    }
  });
});
