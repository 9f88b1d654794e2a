/**
 * `ledger rebuild` on PostgreSQL read models, beside a live projector: it takes the projection lease, or
 * refuses with one line and exit 1 while a projector holds it; while it holds the lease, a standby
 * projector does not write. Real SQLite files for the store and a real PostgreSQL for the read models;
 * the rebuild runs as a process of its own (as an operator runs it), the leased projectors in this one.
 * (SQLite read models are rebuilt beside the live ones with no need to stop anything:
 * test/rebuild-no-downtime.spec.ts.)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, openEventStore, type LedgerConfig } from '@ledger/platform';
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import { eventually } from '@ledger/platform/testing/eventually';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { openReadModels, currentStateCheckpoint, temporalCheckpoint } from '@ledger/read-models';
import { readLease, startLeasedProjector, type LeasedProjector } from '@ledger/read-models/lease';
import { EventScript } from '@ledger/read-models/testing/county-script';
import { dumpReadModels } from '@ledger/read-models/testing/dump';
import { RandomCounty } from '@ledger/read-models/testing/random-county';
import type { EventStore } from '@ledger/event-store';
import type { DataSource } from 'typeorm';

const ROOT = path.resolve(__dirname, '../../..');
const SCRATCH = `.rebuild-lease-${process.pid}`;
const pg = useTestPostgres();
let rebuildJs: string;
let platformJs: string;

beforeAll(() => {
  [rebuildJs, platformJs] = buildEntryPoints(SCRATCH, ['apps/cli/src/rebuild.ts', 'libs/platform/src/index.ts']);
}, 300_000);

afterAll(() => fs.rmSync(path.join(ROOT, 'dist', SCRATCH), { recursive: true, force: true }));

describe.each(['postgres'] as const)('ledger rebuild and the projection lease, %s read models', (engine) => {
  let dir: string;
  let config: LedgerConfig;
  let env: NodeJS.ProcessEnv;
  let store: EventStore;
  const open: DataSource[] = [];
  const projectors: LedgerProjector[] = [];
  type LedgerProjector = LeasedProjector;

  const readModels = async () => {
    const ds = await openReadModels(config);
    open.push(ds);
    return ds;
  };

  /** A leased projector as apps/projector runs it: its own connection for batches and one for the lease. */
  const projector = async (holder: string, onLeader?: () => void) => {
    const p = await startLeasedProjector(await readModels(), await readModels(), store, {
      holder,
      ttlMs: 1000,
      onState: (state) => state === 'leader' && onLeader?.(),
    });
    projectors.push(p);
    return p;
  };

  /** `ledger rebuild` (its rebuildCommand) as a process of its own, on this test's configuration. */
  const rebuildProcess = (): Promise<{ code: number | null; stderr: string }> =>
    new Promise((resolve, reject) => {
      const script =
        `require(${JSON.stringify(rebuildJs)}).rebuildCommand(require(${JSON.stringify(platformJs)}).loadConfig())` +
        `.then((code) => process.exit(code), (e) => { console.error(e); process.exit(3); })`;
      const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `rebuild-lease-${engine}-`));
    env = { LEDGER_DATA_DIR: dir, LEDGER_JWT_SECRET: 'rebuild-lease-secret-0123456789', LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL' };
    if (engine === 'postgres') env.LEDGER_READ_DB_URL = await pg.freshDatabase();
    config = loadConfig(env);
    store = await openEventStore(config);
    const county = new RandomCounty(new EventScript(store), 5);
    for (let i = 0; i < 3000; i++) await county.step();
  }, 120_000);

  afterEach(async () => {
    for (const p of projectors.splice(0)) await p.stop().catch(() => undefined);
    for (const ds of open.splice(0)) await ds.destroy().catch(() => undefined);
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses with one line and exit 1 while a live projector holds the lease, and changes nothing', async () => {
    const live = await projector('live-projector');
    const head = await store.headPosition();
    const probe = await readModels();
    await eventually(
      'the live projector reaches the head, both projections',
      async () => live.state === 'leader' && (await currentStateCheckpoint(probe)) >= head && (await temporalCheckpoint(probe)) >= head,
    );
    const before = await dumpReadModels(probe);

    const { code, stderr } = await rebuildProcess();

    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^ledger rebuild: refused: the projection lease is held by live-projector .*stop the projector first/);
    expect(await dumpReadModels(probe)).toEqual(before);
    expect((await readLease(probe))?.holder).toBe('live-projector');
    // The projector goes on as before.
    const county = new RandomCounty(new EventScript(store), 6);
    for (let i = 0; i < 20; i++) await county.step();
    const later = await store.headPosition();
    await eventually('the live projector goes on', async () => (await currentStateCheckpoint(probe)) >= later);
  }, 120_000);

  it('holds the lease for the whole rebuild: a standby projector started meanwhile leads only after it, then goes on', async () => {
    const probe = await readModels();
    let rebuildEnded = false;
    const rebuild = rebuildProcess().finally(() => (rebuildEnded = true));
    // Who holds the lease, in turn, from the rebuild's first commit until its process has exited.
    const holders: string[] = [];
    const look = async () => {
      const held = (await readLease(probe).catch(() => null))?.holder;
      const holder = held?.startsWith('ledger rebuild') ? 'ledger rebuild' : held;
      if (holder && holder !== holders[holders.length - 1]) holders.push(holder);
    };
    // Once the rebuild has begun (its first transaction marks the counters stale), a projector starts.
    await eventually('the rebuild begins', async () => {
      const begun = (await probe.query(`SELECT 1 FROM rm_checkpoint WHERE name = 'counters-stale'`).catch(() => [])).length > 0;
      if (begun) await look();
      return begun || rebuildEnded;
    });
    const standby = await projector('standby-projector');
    await eventually('the rebuild ends', async () => {
      await look();
      return rebuildEnded;
    });
    // Every rebuild transaction is fenced: had the projector led meanwhile, the rebuild would have stopped (exit 1).
    expect(await rebuild).toMatchObject({ code: 0 });
    // The rebuild held the lease from the start; the projector took it only once it was handed back.
    expect([['ledger rebuild'], ['ledger rebuild', 'standby-projector']]).toContainEqual(holders);
    // The rebuild hands the lease back: the projector takes it and follows new events from the rebuild's checkpoint.
    const county = new RandomCounty(new EventScript(store), 7);
    for (let i = 0; i < 20; i++) await county.step();
    const head = await store.headPosition();
    await eventually(
      'the standby projector leads and reaches the head',
      async () => standby.state === 'leader' && (await currentStateCheckpoint(probe)) >= head,
    );
    expect((await readLease(probe))?.holder).toBe('standby-projector');
  }, 120_000);
});
