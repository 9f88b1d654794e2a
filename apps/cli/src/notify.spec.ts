import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteAccessAuditStore } from '@ledger/integrity';
import { FixedClock, loadConfig, type LedgerConfig } from '@ledger/platform';
import { captureOutput } from '@ledger/platform/testing/capture-output';
import { openReadModels } from '@ledger/read-models';
import { returnStolenLeases, stealLeases } from '@ledger/read-models/generations/switch';
import { ProjectionLease } from '@ledger/read-models/lease/lease';
import { NOTIFIER_LEASE } from '@ledger/read-models/notifications';
import { notifyMain } from './notify';

const DEAD = '0a1b2c3d-0000-4000-8000-00000000dead';

/**
 * `ledger notify` reads and replays the dead letters from the server's command line: in the access audit
 * trail as the API's routes are (who: the operating-system user; where: the machine), recorded before
 * anything is shown or changed, so a trail that cannot be written stops the command and changes nothing.
 */
describe('ledger notify in the access audit trail', () => {
  let dir: string;
  let config: LedgerConfig;
  const clock = new FixedClock(new Date('2026-12-01T02:00:00Z'));
  const trailFile = () => path.join(dir, 'access-audit.sqlite');
  const run = async (args: string[]): Promise<{ code: number | Error; out: string }> => {
    const c = captureOutput();
    try {
      const code = await notifyMain(config, args, (m) => new Error(m), clock).catch((e: Error) => e);
      return { code, out: c.out() };
    } finally {
      c.restore();
    }
  };
  const status = async (): Promise<string> => {
    const ds = await openReadModels(config);
    try {
      return (await ds.query(`SELECT "status" FROM "nt_outbox" WHERE "id" = ?`, [DEAD]))[0].status as string;
    } finally {
      await ds.destroy();
    }
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-cli-'));
    config = loadConfig({ LEDGER_DATA_DIR: dir, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL' });
    const ds = await openReadModels(config);
    await ds.query(
      `INSERT INTO "nt_outbox" ("id", "position", "eventId", "eventType", "kind", "itemId", "audience", "channel", "payload", "status", "attempts", "nextAttemptAt", "createdAt", "lastError") ` +
        `VALUES (?, 1, 'e-1', 'ItemAssigned', 'assigned', 'i1', 'unit:dahua', 'ding', ?, 'dead', 3, 0, '2026-11-30T01:00:00.000Z', 'HTTP 500')`,
      [DEAD, JSON.stringify({ title: '【交办】规范村级组织活动场所', lines: [], path: '/items/i1', dueDate: '2026-12-30', unitId: 'dahua' })],
    );
    await ds.destroy();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('records the listing and the replay, each before it is shown or done', async () => {
    const listed = await run(['dead-letters', '--json']);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.out) as Array<{ id: string }>).map((d) => d.id)).toEqual([DEAD]);
    expect((await run(['replay', DEAD])).code).toBe(0);
    expect(await status()).toBe('pending');
    const store = SqliteAccessAuditStore.open(trailFile(), { readOnly: true });
    try {
      const entries = await store.entriesAfter(0, 10);
      expect(entries.map((e) => [e.at, e.actor, e.address, e.action, e.target, e.outcome, e.status])).toEqual([
        [
          '2026-12-01T02:00:00.000Z',
          `cli:${os.userInfo().username}`,
          `local:${os.hostname()}`,
          'dead-letter-read',
          'ledger notify dead-letters --json',
          'ok',
          null,
        ],
        [
          '2026-12-01T02:00:00.000Z',
          `cli:${os.userInfo().username}`,
          `local:${os.hostname()}`,
          'dead-letter-replay',
          `ledger notify replay ${DEAD}`,
          'ok',
          null,
        ],
      ]);
    } finally {
      await store.close();
    }
  });

  it('refuses a replay while a rebuild holds the read models to switch them over: exit 1, still dead, in the trail as failed', async () => {
    // What `ledger rebuild` does to the live set before it carries the outbox to the next one.
    const ds = await openReadModels(config);
    const rebuild = 'ledger rebuild host/4242';
    try {
      // A notifier leads the live set, as its dead letter says one did.
      expect(await (await ProjectionLease.open(ds, { name: NOTIFIER_LEASE, holder: 'host/1', ttlMs: 60_000 })).tryAcquire()).toBe(1n);
      expect((await stealLeases(ds, rebuild, 60_000)).map((l) => l.name)).toEqual(['notifier']);
    } finally {
      await ds.destroy();
    }
    const c = captureOutput();
    let code: number | Error;
    let err: string;
    try {
      code = await notifyMain(config, ['replay', DEAD], (m) => new Error(m), clock).catch((e: Error) => e);
      err = c.err();
    } finally {
      c.restore();
    }
    expect(code).toBe(1);
    expect(err).toBe(
      'ledger notify replay: a rebuild (ledger rebuild) is switching the read models over: nothing replayed; run it again once the switch is done\n',
    );
    expect(await status()).toBe('dead');
    const entries = async () => {
      const store = SqliteAccessAuditStore.open(trailFile(), { readOnly: true });
      try {
        return (await store.entriesAfter(0, 10)).map((e) => [e.action, e.target, e.outcome, e.detail]);
      } finally {
        await store.close();
      }
    };
    expect(await entries()).toEqual([['dead-letter-replay', `ledger notify replay ${DEAD}`, 'failed', JSON.stringify({ code: 'REBUILD_SWITCHING' })]]);

    // The rebuild stopped and handed the leases back: the same replay is made, and recorded as done.
    const again = await openReadModels(config);
    try {
      await returnStolenLeases(again, rebuild);
    } finally {
      await again.destroy();
    }
    expect((await run(['replay', DEAD])).code).toBe(0);
    expect(await status()).toBe('pending');
    expect((await entries()).slice(1)).toEqual([['dead-letter-replay', `ledger notify replay ${DEAD}`, 'ok', null]]);
  });

  it('shows and changes nothing when the trail cannot record it', async () => {
    // The trail exists (a first command made it), then its database refuses every write.
    expect((await run(['dead-letters'])).code).toBe(0);
    const db = new Database(trailFile());
    db.exec("CREATE TRIGGER refuse_all BEFORE INSERT ON access_audit BEGIN SELECT RAISE(ABORT, 'disk says no'); END;");
    db.close();
    const listed = await run(['dead-letters']);
    expect(listed.code).toBeInstanceOf(Error);
    expect(listed.out).toBe('');
    const replayed = await run(['replay', DEAD]);
    expect(replayed.code).toBeInstanceOf(Error);
    expect(replayed.out).toBe('');
    expect(await status()).toBe('dead');
  });
});
