import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '@ledger/platform';
import { openReadModels } from '@ledger/read-models';
import { ProjectionLease } from '@ledger/read-models/lease';
import type { DataSource } from 'typeorm';
import { ProjectorWatch } from './projector-watch';

/** The watch on a real SQLite read-model database; its monotonic clock is a number the test moves. */
describe('readiness: is a projector following the log?', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-watch-'));
  let ds: DataSource;
  let now = 0;
  const watch = () => new ProjectorWatch(ds, { readyMaxLag: 5, readyGraceSeconds: 10 }, () => now);
  beforeAll(async () => {
    ds = await openReadModels(loadConfig({ LEDGER_DATA_DIR: dir }));
  });
  afterAll(async () => {
    await ds.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('no lease ever taken (a projector in the API process): only the lag counts, above the bound for the whole grace period', async () => {
    const w = watch();
    now = 0;
    expect(await w.check(5n)).toBeNull();
    expect(await w.check(6n)).toBeNull();
    now = 9_999;
    expect(await w.check(600n)).toBeNull();
    now = 10_000;
    expect(await w.check(600n)).toMatchObject({
      code: 'PROJECTOR_BEHIND',
      detail: expect.stringMatching(/600 events behind the log, above LEDGER_READY_MAX_LAG=5 for 10 s/),
    });
    expect(await w.check(2n)).toBeNull();
    now = 30_000;
    expect(await w.check(600n)).toBeNull(); // a new stretch above the bound starts its own grace period
  });

  it('a lease held and renewed: ready; released: absent once the grace period has passed; expired long ago: absent at once', async () => {
    const lease = await ProjectionLease.open(ds, { holder: 'host/1', ttlMs: 60_000 });
    expect(await lease.tryAcquire()).not.toBeNull();
    const w = watch();
    now = 0;
    expect(await w.check(0n)).toBeNull();
    await lease.release();
    expect(await w.check(0n)).toBeNull();
    now = 10_000;
    expect(await w.check(0n)).toMatchObject({
      code: 'PROJECTOR_ABSENT',
      detail: expect.stringMatching(/no projector holds the projection lease \(its last holder released it\)/),
    });

    // A holder that stopped renewing 60 s ago (its expiry set in the past by the database's clock).
    const dead = await ProjectionLease.open(ds, { holder: 'host/2', ttlMs: -60_000 });
    expect(await dead.tryAcquire()).not.toBeNull();
    const fresh = watch();
    expect(await fresh.check(0n)).toMatchObject({ code: 'PROJECTOR_ABSENT', detail: expect.stringMatching(/host\/2 stopped renewing it 60 s ago/) });
  });
});
