import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { eventually } from '@ledger/platform/testing/eventually';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import type { DataSource, EntityManager } from 'typeorm';
import { openReadModels } from '../data-source';
import { applyEvents } from '..';
import { currentStateCheckpoint } from '../checkpoint/checkpoints';
import { EventScript } from '../testing/county-script';
import { RandomCounty } from '../testing/random-county';
import { LeaseLostError, ProjectionLease, readLease } from './lease';
import { startLeasedProjector, type LeaderState } from './leased-projector';

const pg = useTestPostgres();

describe.each(['sqlite', 'postgres'] as const)('the projection lease on %s read models', (engine) => {
  let dir: string;
  let store: EventStore;
  const open: DataSource[] = [];
  // Stopped after each test too: a test that fails (or times out) before its own stop() would leave a leader's
  // heartbeat interval running, which holds the whole test run open.
  const projectors: Array<{ stop(): Promise<void> }> = [];

  const readDb = async (): Promise<() => Promise<DataSource>> => {
    const url = engine === 'postgres' ? await pg.freshDatabase() : null;
    return async () => {
      const ds = await openReadModels({ dataDir: path.join(dir, 'read'), readDbUrl: url });
      open.push(ds);
      return ds;
    };
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `lease-${engine}-`));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    const county = new RandomCounty(new EventScript(store), 11);
    for (let i = 0; i < 300; i++) await county.step();
  });

  afterEach(async () => {
    for (const p of projectors.splice(0)) await p.stop().catch(() => undefined);
    for (const ds of open.splice(0)) await ds.destroy().catch(() => undefined);
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('one holder at a time; the token grows with every acquisition; a release frees it at once', async () => {
    const connect = await readDb();
    const [da, db] = [await connect(), await connect()];
    const a = await ProjectionLease.open(da, { holder: 'a', ttlMs: 60_000 });
    const b = await ProjectionLease.open(db, { holder: 'b', ttlMs: 60_000 });
    const first = await a.tryAcquire();
    expect(first).not.toBeNull();
    expect(await b.tryAcquire()).toBeNull();
    expect(await a.renew()).toBe(true);
    expect(await readLease(db)).toMatchObject({ holder: 'a', token: String(first) });
    await a.release();
    const second = await b.tryAcquire();
    expect(second).toBe(first! + 1n);
    expect(await a.renew()).toBe(false);
    expect((await readLease(da))!.holder).toBe('b');
  });

  it("the fence bounds its transaction's idle time by the lease (PostgreSQL), in that transaction only; a lost lease sets nothing", async () => {
    const connect = await readDb();
    const [da, db] = [await connect(), await connect()];
    const a = await ProjectionLease.open(da, { holder: 'a', ttlMs: 7000 });
    const b = await ProjectionLease.open(db, { holder: 'b', ttlMs: 7000 });
    expect(await a.tryAcquire()).not.toBeNull();
    const setting = async (q: DataSource | EntityManager) =>
      engine === 'postgres' ? (await q.query(`SELECT current_setting('idle_in_transaction_session_timeout') AS "v"`))[0].v : null;
    const inside = await da.transaction(async (em) => {
      await a.fence(em);
      return setting(em);
    });
    expect(inside).toBe(engine === 'postgres' ? '7s' : null);
    // The pool's connection is back at the server's default once the transaction ended.
    expect(await setting(da)).toBe(engine === 'postgres' ? '0' : null);
    const fenced = db.transaction(async (em) => {
      await b.fence(em);
    });
    await expect(fenced).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('a stale leader that wakes up after the lease expired is fenced out: its batch rolls back, nothing is applied twice', async () => {
    const connect = await readDb();
    const [da, db] = [await connect(), await connect()];
    const events = await store.readAll({ after: 0n, limit: 1000 });
    const a = await ProjectionLease.open(da, { holder: 'a', ttlMs: 300 });
    const b = await ProjectionLease.open(db, { holder: 'b', ttlMs: 60_000 });
    expect(await a.tryAcquire()).not.toBeNull();
    // A applies the first 100 events, fenced.
    await da.transaction(async (em) => {
      await a.fence(em);
      await applyEvents(em, events.slice(0, 100));
    });
    // A stops renewing (paused); B takes over once the lease expires by the database's clock.
    const tokenB = await eventually('b acquires the lease', () => b.tryAcquire());
    // A wakes up and tries its next batch: refused before it reads or writes a row.
    await expect(
      da.transaction(async (em) => {
        await a.fence(em);
        await applyEvents(em, events.slice(100, 200));
      }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await currentStateCheckpoint(db.manager)).toBe(events[99].position);
    expect(a.token).toBeNull();
    // B goes on from the committed checkpoint; A's fenced batch left no trace.
    await db.transaction(async (em) => {
      await b.fence(em);
      expect(await applyEvents(em, events.slice(100, 300))).toBe(events[299].position);
    });
    expect((await readLease(da))!).toMatchObject({ holder: 'b', token: String(tokenB) });
  });

  it('two leased projectors on one read database: one leads; after the leader stops, the other takes over from the checkpoint', async () => {
    const connect = await readDb();
    const states: Array<[string, LeaderState]> = [];
    const start = async (holder: string) => {
      const projector = await startLeasedProjector(await connect(), await connect(), store, {
        holder,
        ttlMs: 500,
        batchSize: 50,
        onState: (s) => states.push([holder, s]),
      });
      projectors.push(projector);
      return projector;
    };
    const p1 = await start('p1');
    const leader1 = await eventually('p1 leads', async () => (p1.state === 'leader' ? p1 : null));
    const p2 = await start('p2');
    const head = await store.headPosition();
    await eventually('the leader reaches the head', async () => ((await leader1.projector?.waitFor(head, 10)) ? true : null));
    expect(p2.state).toBe('standby');
    await p1.stop();
    const county = new RandomCounty(new EventScript(store), 12);
    for (let i = 0; i < 100; i++) await county.step();
    const head2 = await store.headPosition();
    const reader = await connect();
    await eventually('the checkpoint reaches the second head', async () => ((await currentStateCheckpoint(reader.manager)) === head2 ? true : null));
    expect(p2.state).toBe('leader');
    expect(states).toEqual([
      ['p1', 'leader'],
      ['p2', 'leader'],
    ]);
    await p2.stop();
    expect((await readLease(reader))!.holder).toBeNull();
  });
});
