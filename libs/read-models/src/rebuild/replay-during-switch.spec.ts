import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { eventually } from '@ledger/platform/testing/eventually';
import { openReadModels } from '../data-source';
import { isPostgres, placeholders } from '../db/sql';
import { LEASE_TABLE, ProjectionLease } from '../lease/lease';
import { NOTIFIER_LEASE, replayDeadLetter } from '../notifications/outbox';
import { rebuildFixture } from '../testing/rebuild-fixture';
import { rebuildBeside } from './beside';

/** Three dead letters of the live set, one replayed at each moment of the switch. */
const DEAD = {
  carried: '0a1b2c3d-0000-4000-8000-0000000000c1',
  switched: '0a1b2c3d-0000-4000-8000-0000000000c2',
  retired: '0a1b2c3d-0000-4000-8000-0000000000c3',
} as const;

/**
 * A dead letter replayed while `ledger rebuild` switches the read models over (the notifier's tables
 * already carried to the new set, or the new set live and this process still on the old one) was
 * written into the old set only: told "replayed", it stayed dead in the set every process reads from
 * then on. A replay must land in the set that stays live or be refused, changing nothing. The moments
 * are the rebuild's own (onPhase), and a replay that waits there waits on the switch's lock (a probe
 * of pg_locks), not on a clock.
 */
describe.each(['sqlite', 'postgres'] as const)('a dead letter replayed while a rebuild switches the read models (%s)', (engine) => {
  const fx = rebuildFixture(engine, 'replay-switch-');

  const status = async (ds: DataSource, id: string): Promise<string> =>
    ((await ds.query(placeholders(`SELECT "status" FROM "nt_outbox" WHERE "id" = ?`, isPostgres(ds)), [id])) as Array<{ status: string }>)[0].status;

  it('lands in the set that stays live, or is refused and changes nothing', async () => {
    const config = { dataDir: fx.dir, readDbUrl: fx.pg?.url ?? null };
    const liveName = engine === 'sqlite' ? 'read-models.sqlite' : 'public';
    // A process pinned to the set live before the rebuild: as one that has not yet followed the switch.
    const live = await openReadModels(config, { generation: liveName });
    fx.opened.push(live);
    for (const [name, holder] of [
      ['read-models', 'live projector'],
      [NOTIFIER_LEASE, 'live notifier'],
    ]) {
      const lease = await ProjectionLease.open(live, { name, holder, ttlMs: 60_000 });
      expect(await lease.tryAcquire()).toBe(1n);
    }
    for (const id of Object.values(DEAD))
      await live.query(
        placeholders(
          `INSERT INTO "nt_outbox" ("id", "position", "eventId", "eventType", "kind", "itemId", "audience", "channel", "payload", "status", "attempts", "nextAttemptAt", "createdAt", "lastError") ` +
            `VALUES (?, 1, 'e-1', 'ItemAssigned', 'assigned', 'XI1', 'unit:XT1', 'ding', ?, 'dead', 3, 0, '2026-03-02T01:00:00.000Z', 'HTTP 500')`,
          isPostgres(live),
        ),
        [id, JSON.stringify({ title: '【交办】规范村级组织活动场所', lines: [], path: '/items/XI1', dueDate: '2026-04-30', unitId: 'XT1' })],
      );

    const outcomes: Record<string, string> = {};
    const pending: Promise<void>[] = [];
    let waited: boolean | null = null;
    const replay = (id: string) =>
      replayDeadLetter(live, id).then(
        (o) => String(o),
        (e: Error) => `threw: ${e.message}`,
      );
    /** Whether a session waits for a lock on the live set's lease table (the switch's, held to its commit). */
    const waitsOnLeaseLock = async (): Promise<boolean> => {
      if (!fx.pg) return false;
      const client = new Client({ connectionString: fx.pg.url });
      await client.connect();
      try {
        const rows = await client.query(`SELECT 1 FROM pg_locks WHERE NOT granted AND relation = to_regclass($1)`, [`public."${LEASE_TABLE}"`]);
        return rows.rowCount! > 0;
      } finally {
        await client.end();
      }
    };
    const result = await rebuildBeside(config, fx.store, {
      holder: 'ledger rebuild',
      ttlMs: 60_000,
      dropWaitMs: 0,
      onPhase: async (phase) => {
        if (phase === 'carried') {
          // Not awaited: on PostgreSQL a replay that waits for the switch to commit is let wait.
          let settled = false;
          const done = replay(DEAD.carried).then((o) => {
            settled = true;
            outcomes.carried = o;
          });
          await eventually('the replay answered or waits on the switch', async () => settled || (await waitsOnLeaseLock()));
          waited = !settled;
          pending.push(done);
        } else outcomes.switched = await replay(DEAD.switched);
      },
    });
    await Promise.all(pending);
    outcomes.retired = await replay(DEAD.retired);
    expect(result.file).toBe(engine === 'sqlite' ? 'read-models.1.sqlite' : 'rm_g1');
    // PostgreSQL: the replay waited for the switch's transaction (not raced past it); SQLite: that
    // transaction had committed (its write lock serialised the copy), the control file not yet renamed.
    expect(waited).toBe(engine === 'postgres');

    const now = await openReadModels(config);
    fx.opened.push(now);
    const seen: Record<string, [string, string, string]> = {};
    for (const [moment, id] of Object.entries(DEAD)) seen[moment] = [outcomes[moment], await status(now, id), await status(live, id)];
    // Every one came while the rebuild held the live set's leases, or after it retired them: refused,
    // still dead in both sets. A replay told 'replayed' would have to be pending in the set now live.
    expect(seen).toEqual({
      carried: ['rebuild_switching', 'dead', 'dead'],
      switched: ['rebuild_switching', 'dead', 'dead'],
      retired: ['rebuild_switching', 'dead', 'dead'],
    });
    // Once refused, the same replay made on the set now live is made there.
    expect(await replayDeadLetter(now, DEAD.carried)).toBe('replayed');
    expect(await status(now, DEAD.carried)).toBe('pending');
  }, 120_000);
});
