import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { eventually } from '@ledger/platform/testing/eventually';
import { mountTmpfs, type Tmpfs } from '@ledger/platform/testing/tmpfs';
import type { DataSource } from 'typeorm';
import { currentStateCheckpoint } from '../checkpoint/checkpoints';
import { openReadModels } from '../data-source';
import { EventScript } from '../testing/county-script';
import { RandomCounty } from '../testing/random-county';
import { startLeasedProjector, type LeasedProjector } from './leased-projector';

/**
 * The read models on a small real file system that fills up while events keep coming: the projector
 * process must neither die nor skip anything, and must go on by itself once space is freed.
 */
describe('the projector on a full disk', () => {
  let dir: string;
  let disk: Tmpfs;
  let store: EventStore;
  const open: DataSource[] = [];
  let projector: LeasedProjector | null = null;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'projector-full-'));
    disk = mountTmpfs(32 * 1024);
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
  });
  afterAll(async () => {
    await projector?.stop().catch(() => undefined);
    for (const ds of open) await ds.destroy().catch(() => undefined);
    await store.close();
    disk.unmount();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stands by while the disk is full, loses nothing, and catches up once space is freed', async () => {
    const connect = async () => {
      const ds = await openReadModels({ dataDir: path.join(disk.dir, 'read'), readDbUrl: null });
      open.push(ds);
      return ds;
    };
    const [projectorDs, leaseDs] = [await connect(), await connect()];
    const county = new RandomCounty(new EventScript(store), 7);
    for (let i = 0; i < 200; i++) await county.step();
    const reasons: string[] = [];
    projector = await startLeasedProjector(projectorDs, leaseDs, store, {
      holder: 'full-disk',
      // Short: a lease the full disk would not let it hand back expires soon, and it takes it again.
      ttlMs: 1500,
      batchSize: 100,
      onState: (state, detail) => void (state === 'standby' && reasons.push(detail.reason ?? '')),
    });
    let failure: unknown = null;
    projector.done.catch((e: unknown) => (failure = e));
    await eventually('the first events are projected', async () => (await currentStateCheckpoint(leaseDs)) === (await store.headPosition()));

    // Fill the disk to the last byte, then keep the county going: its read-model rows no longer fit.
    const filler = path.join(disk.dir, 'filler');
    const fd = fs.openSync(filler, 'w');
    for (const size of [256 * 1024, 4096, 512, 1]) {
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(size, 7));
      } catch (e) {
        expect((e as { code?: string }).code).toBe('ENOSPC');
      }
    }
    fs.closeSync(fd);
    for (let i = 0; i < 1500; i++) await county.step();
    const head = await store.headPosition();
    await eventually('the projector fails a batch and stands by', () => failure !== null || reasons.length > 0);
    expect(failure).toBeNull();
    expect(await currentStateCheckpoint(leaseDs)).toBeLessThan(head);

    fs.rmSync(filler);
    // Read through a connection of its own, as the API does: what the projector commits, not what its connection holds.
    const reader = await connect();
    let seen = '';
    await eventually(
      'the projector catches up by itself',
      async () => {
        const checkpoint = await currentStateCheckpoint(reader);
        seen = `checkpoint ${checkpoint} of ${head}, ${projector!.state}; ${String(failure)}; ${reasons.slice(-3).join(' | ')}`;
        return failure !== null || checkpoint === head;
      },
      { explain: () => seen },
    );
    expect(failure).toBeNull();
    expect(projector.state).toBe('leader');
    expect(reasons[0]).toMatch(/a batch found the read database's disk full \(SqliteError: database or disk is full\); the lease handed back, trying again/);
  }, 180_000);
});
