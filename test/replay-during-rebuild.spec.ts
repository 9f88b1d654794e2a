/**
 * POST /notifications/:id/replay while `ledger rebuild` holds the live read models' leases to carry the
 * notifier's tables to the next set and switch to it: a replay written then into the live set would be
 * lost at the switch, while the client was told 202. It is refused (409 REBUILD_SWITCHING), the letter
 * stays dead, and the trail records the refusal, not a replay; once the rebuild let go, it is made. The
 * race of a replay with the switch itself is replayDeadLetter's (libs/read-models replay-during-switch).
 */
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { returnStolenLeases, stealLeases } from '@ledger/read-models/generations/switch';
import { ProjectionLease } from '@ledger/read-models/lease/lease';
import { NOTIFIER_LEASE } from '@ledger/read-models/notifications';
import { NOTIFICATIONS_DS } from '../apps/api/src/notifications/notifications.route';
import { insertDeadLetter } from './support/dead-letter';
import { startLedger, type Ledger } from './support/ledger';

const DEAD_ID = '0a1b2c3d-0000-4000-8000-0000000000ae';
const REBUILD = 'ledger rebuild host/4242';

describe('a dead letter replayed through the API while a rebuild switches the read models over', () => {
  let ledger: Ledger;
  const sys = () => ledger.as('sysadmin', undefined, { sub: 'switch-sys' });
  const db = () => ledger.app.get<DataSource>(NOTIFICATIONS_DS);
  const outboxStatus = async () => ((await db().query(`SELECT "status" FROM "nt_outbox" WHERE "id" = ?`, [DEAD_ID])) as Array<{ status: string }>)[0].status;
  const entries = () => {
    const trail = new Database(path.join(ledger.config.dataDir, 'access-audit.sqlite'), { readonly: true });
    try {
      const rows = trail.prepare(`SELECT "actor", "action", "outcome", "status", "detail" FROM "access_audit" ORDER BY "seq"`).all() as Array<{
        actor: string;
        action: string;
        outcome: string;
        status: number;
        detail: string | null;
      }>;
      // The code a refusal names (the detail also says whether a machine token asked).
      return rows.map((r) => [r.actor, r.action, r.outcome, r.status, r.detail ? ((JSON.parse(r.detail) as { code?: string }).code ?? null) : null]);
    } finally {
      trail.close();
    }
  };

  beforeAll(async () => {
    ledger = await startLedger({ engine: 'sqlite' });
    await insertDeadLetter(ledger, DEAD_ID);
    // A notifier leads the live set, as its dead letter says one did; then the rebuild takes its lease.
    expect(await (await ProjectionLease.open(db(), { name: NOTIFIER_LEASE, holder: 'host/1', ttlMs: 60_000 })).tryAcquire()).toBe(1n);
  }, 60_000);
  afterAll(async () => {
    await ledger?.close();
  });

  it('is refused with 409 REBUILD_SWITCHING and changes nothing, then made once the rebuild let go', async () => {
    expect((await stealLeases(db(), REBUILD, 60_000)).map((l) => l.name)).toEqual([NOTIFIER_LEASE]);
    const before = entries().length;
    const refused = await sys().post(`/notifications/${DEAD_ID}/replay`, {}, 409);
    expect(JSON.parse(refused.text)).toMatchObject({ status: 409, code: 'REBUILD_SWITCHING' });
    expect(await outboxStatus()).toBe('dead');
    expect(entries().slice(before)).toEqual([['switch-sys', 'dead-letter-replay', 'failed', 409, 'REBUILD_SWITCHING']]);

    // The rebuild stopped before its switch (it hands the leases back at once).
    await returnStolenLeases(db(), REBUILD);
    expect((await sys().post(`/notifications/${DEAD_ID}/replay`, {}, 202)).body).toEqual({ id: DEAD_ID, status: 'pending' });
    expect(await outboxStatus()).toBe('pending');
    expect(entries().slice(before + 1)).toEqual([['switch-sys', 'dead-letter-replay', 'ok', 202, null]]);
  });
});
