import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { openReadModels } from '../data-source';
import { LEASE_TABLE, ProjectionLease } from '../lease/lease';
import { rebuildFixture } from '../testing/rebuild-fixture';
import { rebuildBeside } from './beside';

/** Far ahead of any clock: a lease taken back "for good", as a live process renewing it would keep it. */
const FAR = '9007199254740991';
/**
 * What happens to the live set while a rebuild that has taken its leases is held up past them (a pause,
 * a loaded machine): the live projector takes its lease back as it does once it expired, and a notifier
 * started for the first time opens its lease and takes it.
 */
const TAKE_BACK = [
  `UPDATE "${LEASE_TABLE}" SET "holder" = 'live projector', "token" = "token" + 1, "expires_at" = ${FAR} WHERE "name" = 'read-models' RETURNING "token"`,
  `INSERT INTO "${LEASE_TABLE}" ("name", "holder", "token", "acquired_at", "expires_at") VALUES ('notifier', 'first notifier', 1, 0, ${FAR})`,
];

/**
 * A rebuild held up after it took the live leases, long enough for the live processes to take them back,
 * must take them again before it switches: else the live projector and notifier go on writing the old
 * set after the new one copied it (figures behind after the switch, deliveries recorded where nobody
 * reads them, so sent again), and a lease first opened meanwhile is missing from the new set (its
 * notifier waits for it for ever). The hold-up is the rebuild's own line, answered synchronously.
 */
describe.each(['sqlite', 'postgres'] as const)('ledger rebuild held up past the live leases (%s)', (engine) => {
  const fx = rebuildFixture(engine, 'rebuild-beside-');

  it('takes them again before it switches: the old set is fenced for all of them, the new one has them all', async () => {
    const config = { dataDir: fx.dir, readDbUrl: fx.pg?.url ?? null };
    const liveName = engine === 'sqlite' ? 'read-models.sqlite' : 'public';
    // Kept open on the old set: it is not dropped, so that what it holds after the switch can be read.
    const live = await openReadModels(config, { generation: liveName });
    fx.opened.push(live);
    const projector = await ProjectionLease.open(live, { holder: 'live projector', ttlMs: 60_000 });
    expect(await projector.tryAcquire()).toBe(1n);

    const takeBack = (): void => {
      if (engine === 'sqlite') {
        const db = new Database(path.join(fx.dir, liveName), { timeout: 5000 });
        try {
          db.prepare(TAKE_BACK[0]).get();
          db.prepare(TAKE_BACK[1]).run();
        } finally {
          db.close();
        }
        return;
      }
      // Synchronously, as the hold-up: another process, as the live ones are.
      const script = `const { Client } = require('pg'); const c = new Client({ connectionString: process.env.URL });
        c.connect().then(async () => { for (const sql of JSON.parse(process.env.SQL)) await c.query(sql); await c.end(); })
        .catch((e) => { console.error(e); process.exit(1); });`;
      execFileSync(process.execPath, ['-e', script], { env: { URL: fx.pg!.url, SQL: JSON.stringify(TAKE_BACK) }, stdio: 'pipe' });
    };
    let heldUp = false;
    const lines: string[] = [];
    const result = await rebuildBeside(config, fx.store, {
      holder: 'ledger rebuild',
      ttlMs: 60_000,
      dropWaitMs: 0,
      log: (line) => {
        lines.push(line);
        if (!heldUp && line.startsWith('took the live leases')) {
          heldUp = true;
          takeBack();
        }
      },
    });
    expect(heldUp).toBe(true);
    expect(result.file).toBe(engine === 'sqlite' ? 'read-models.1.sqlite' : 'rm_g1');

    const leases = async (ds: DataSource) =>
      (
        (await ds.query(`SELECT "name", "holder", "token" FROM "${LEASE_TABLE}" ORDER BY "name"`)) as Array<{
          name: string;
          holder: string | null;
          token: string | number;
        }>
      ).map((r) => ({ name: r.name, holder: r.holder, token: BigInt(r.token) }));
    // The old set: no process that took a lease back still holds it (its next batch would be written where nobody reads).
    const old = await leases(live);
    expect(old.map((l) => [l.name, l.holder])).toEqual([
      ['notifier', `retired: the read models moved to ${result.file}`],
      ['read-models', `retired: the read models moved to ${result.file}`],
    ]);
    // The new set: both leases free, each with a token above any the old set has had.
    const next = await openReadModels(config, { generation: result.file });
    fx.opened.push(next);
    const fresh = await leases(next);
    expect(fresh.map((l) => [l.name, l.holder])).toEqual([
      ['notifier', null],
      ['read-models', null],
    ]);
    for (const l of fresh) expect(l.token).toBeGreaterThan(old.find((o) => o.name === l.name)!.token);
  }, 120_000);
});
