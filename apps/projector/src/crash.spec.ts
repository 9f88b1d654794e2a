import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import { eventually } from '@ledger/platform/testing/eventually';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { sqliteEventStoreFile } from '@ledger/platform';
import { openReadModels, rebuildReadModels, ReadQueries, temporalCheckpoint } from '@ledger/read-models';
import { EventScript } from '@ledger/read-models/testing/county-script';
import { RandomCounty, prng } from '@ledger/read-models/testing/random-county';
import { dumpReadModels } from '@ledger/read-models/testing/dump';
import type { DataSource } from 'typeorm';

const ROOT = path.resolve(__dirname, '../../..');
const EVENTS = 2500;
/** The writer's bound: on a loaded machine the projector must still catch up in reasonable time. */
const MAX_EVENTS = 8000;
const KILLS = 8;

describe('projector process: SIGKILL at random moments while events keep coming', () => {
  let work: string;
  let dataDir: string;
  let main: string;
  let store: EventStore;
  let live: DataSource;
  let queries: ReadQueries;
  const children = new Set<ChildProcess>();

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'projector-crash-'));
    dataDir = path.join(work, 'data');
    [main] = buildEntryPoints(`.projector-crash-${process.pid}`, ['apps/projector/src/main.ts']);
    expect(fs.readFileSync(main, 'utf8')).not.toContain('@ledger/');
  }, 180_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await live?.destroy();
    await store?.close();
    fs.rmSync(work, { recursive: true, force: true });
    if (main) fs.rmSync(path.join(ROOT, 'dist', `.projector-crash-${process.pid}`), { recursive: true, force: true });
  });

  function startChild(): { child: ChildProcess; exited: Promise<number | null>; started: Promise<void> } {
    const child = spawn(process.execPath, [main], {
      cwd: ROOT,
      // A killed projector's lease outlives it: the next one takes over when it expires (1 s, not the default 6).
      env: { ...process.env, LEDGER_DATA_DIR: dataDir, LEDGER_EVENT_STORE: 'sqlite', LEDGER_READ_DB_URL: '', LEDGER_PROJECTOR_LEASE_SECONDS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const started = new Promise<void>((resolve) => child.stdout!.on('data', (d) => String(d).includes('started') && resolve()));
    children.add(child);
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        children.delete(child);
        if (code !== null && code !== 0) process.stderr.write(`projector exited ${code}: ${stderr}\n`);
        resolve(code);
      }),
    );
    return { child, exited, started };
  }

  it('never double-counts or skips: after catching up, every table equals a fresh rebuild', async () => {
    store = await openSqliteEventStore({ file: sqliteEventStoreFile({ dataDir }), synchronous: 'NORMAL' });
    live = await openReadModels({ dataDir, readDbUrl: null });
    queries = new ReadQueries(live, { dueSoonDays: 3 });
    const county = new RandomCounty(new EventScript(store), 7);
    const rnd = prng(1234);

    let written = 0;
    let killing = true;
    // The log keeps growing for as long as kills go on, so every restart has something to catch up.
    const writer = (async () => {
      while ((killing || written < EVENTS) && written < MAX_EVENTS) {
        await county.step();
        written++;
      }
    })();

    const killedAt: bigint[] = [];
    let behind = 0;
    /** Kills that left the temporal projection behind the current-state one (between its two transactions, or after several). */
    let temporalBehind = 0;
    for (let k = 0; k < KILLS; k++) {
      const { child, exited, started } = startChild();
      if (k % 3 === 2) {
        // As soon as it says it started: most likely inside its first batch.
        await started;
      } else {
        // Wait on a probe: the checkpoint passes a random point ahead, then kill at once (mid next batch).
        const from = await queries.checkpoint();
        const head = await store.headPosition();
        let target = from + 1n + BigInt(Math.floor(rnd() * 300));
        if (target > head) target = head;
        const reached = await Promise.race([queries.waitForPosition(target, 60_000), exited.then(() => 'exited' as const)]);
        expect(reached).toBe(true);
      }
      child.kill('SIGKILL');
      expect(await exited).toBeNull();
      const at = await queries.checkpoint();
      killedAt.push(at);
      if (at < (await store.headPosition())) behind++;
      if ((await temporalCheckpoint(live)) < at) temporalBehind++;
    }
    killing = false;
    await writer;
    expect(written).toBeGreaterThanOrEqual(EVENTS);

    const { child, exited } = startChild();
    const head = await store.headPosition();
    expect(await queries.waitForPosition(head, 240_000)).toBe(true);
    // The temporal read models follow in transactions of their own: a probe on their checkpoint.
    await eventually('the temporal read models reach the head', async () => (await temporalCheckpoint(live)) >= head, { timeoutMs: 240_000 });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await queries.checkpoint()).toBe(head);
    expect(await temporalCheckpoint(live)).toBe(head);
    process.stdout.write(`kills: ${KILLS}, ${behind} behind the log, ${temporalBehind} with the temporal projection behind the current-state one\n`);
    // Kills landed at different positions while the log kept growing.
    expect(new Set(killedAt.map(String)).size).toBeGreaterThan(1);
    expect(behind).toBeGreaterThan(KILLS / 2);
    expect(temporalBehind).toBeGreaterThan(0);

    const rebuiltDir = path.join(work, 'rebuilt');
    const rebuilt = await openReadModels({ dataDir: rebuiltDir, readDbUrl: null });
    try {
      await rebuildReadModels(rebuilt, store);
      const expected = await dumpReadModels(rebuilt);
      expect(expected.rm_item.length).toBeGreaterThan(100);
      expect(await dumpReadModels(live)).toEqual(expected);
    } finally {
      await rebuilt.destroy();
    }
  }, 600_000);
});
