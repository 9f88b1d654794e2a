/**
 * Several projector processes against one store and one read database. One leads
 * (the projection lease); SIGKILL it mid-work while events keep coming and another takes over; a
 * leader frozen (SIGSTOP) past its lease is fenced out when it wakes. At the end every read-model
 * table equals a fresh rebuild into a second database: nothing applied twice, nothing skipped.
 */
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EventStore } from '@ledger/event-store';
import { loadConfig, openEventStore, type LedgerConfig } from '@ledger/platform';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { eventually } from '@ledger/platform/testing/eventually';
import { openReadModels, rebuildReadModels, ReadQueries, temporalCheckpoint } from '@ledger/read-models';
import { readLease } from '@ledger/read-models/lease';
import { EventScript } from '@ledger/read-models/testing/county-script';
import { dumpReadModels } from '@ledger/read-models/testing/dump';
import { RandomCounty } from '@ledger/read-models/testing/random-county';
import type { DataSource } from 'typeorm';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist', `.failover-${process.pid}`);
const LEASE_SECONDS = 2;
const KILLS = 3;
/**
 * The writer's bound: it appends this many events more at the start of every phase (a leader working
 * towards a point ahead; a takeover), then waits. Enough for every kill to land mid-work and for the
 * next leader to have a backlog to catch up, without tens of thousands of events for a rebuild to replay.
 */
const PHASE_EVENTS = 300;

interface Child {
  proc: ChildProcess;
  pid: number;
  out: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let main: string;
const children = new Set<Child>();
const takeovers: Record<string, number[]> = {};
/** Events the dead leader left to apply when it was killed (mid-work: more than 0). */
const backlogs: Record<string, number[]> = {};

beforeAll(() => {
  [main] = buildEntryPoints(path.basename(OUT), ['apps/projector/src/main.ts']);
  expect(fs.readFileSync(main, 'utf8')).not.toContain('@ledger/read-models/lease');
}, 240_000);

afterAll(() => {
  // Every process this file started, by its own handle (a frozen one first woken so it can die).
  for (const c of children) {
    c.proc.kill('SIGCONT');
    c.proc.kill('SIGKILL');
  }
  fs.rmSync(OUT, { recursive: true, force: true });
  process.stdout.write(`projector takeover after SIGKILL (ms): ${JSON.stringify(takeovers)}; backlog at the kill: ${JSON.stringify(backlogs)}\n`);
});

function failover(engine: 'sqlite' | 'postgres'): void {
  let work: string;
  let server: TestPostgres | undefined;
  let env: NodeJS.ProcessEnv;
  let config: LedgerConfig;
  let store: EventStore;
  let live: DataSource;
  let rebuilt: DataSource | undefined;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), `failover-${engine}-`));
    env = { LEDGER_DATA_DIR: path.join(work, 'data'), LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL', LEDGER_PROJECTOR_LEASE_SECONDS: String(LEASE_SECONDS) };
    if (engine === 'postgres') {
      server = await startTestPostgres();
      Object.assign(env, {
        LEDGER_EVENT_STORE: 'postgres',
        LEDGER_EVENT_STORE_URL: server.url,
        LEDGER_READ_DB_URL: await createTestDatabase(server.serverUrl),
      });
    }
    config = loadConfig(env);
    store = await openEventStore(config);
    live = await openReadModels(config);
  }, 120_000);

  afterAll(async () => {
    for (const c of children) {
      if (c.proc.exitCode !== null) continue;
      c.proc.kill('SIGCONT');
      c.proc.kill('SIGKILL');
    }
    await Promise.all([...children].map((c) => c.exited));
    await rebuilt?.destroy();
    await live?.destroy();
    await store?.close();
    await server?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }, 60_000);

  function startChild(): Child {
    const proc = spawn(process.execPath, [main], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, LEDGER_EVENT_STORE: 'sqlite', LEDGER_READ_DB_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child: Child = {
      proc,
      pid: proc.pid!,
      out: '',
      exited: new Promise((resolve) => proc.on('exit', (code, signal) => (children.delete(child), resolve({ code, signal })))),
    };
    proc.stdout!.on('data', (d) => (child.out += String(d)));
    proc.stderr!.on('data', (d) => (child.out += String(d)));
    children.add(child);
    return child;
  }

  const checkpoint = () => new ReadQueries(live, config).checkpoint();
  const holderPid = async (): Promise<number | null> => {
    const lease = await readLease(live);
    return lease?.holder ? Number(lease.holder.split('/')[1]) : null;
  };

  it(`${engine}: three projectors, the leader SIGKILLed ${KILLS} times mid-work${engine === 'postgres' ? ', a frozen leader fenced out' : ''}; read models equal a rebuild`, async () => {
    const county = new RandomCounty(new EventScript(store), 21);
    let writing = true;
    let written = 0;
    let budget = PHASE_EVENTS;
    /** A new phase: the writer may append PHASE_EVENTS more. */
    const gate: { release: (() => void) | null } = { release: null };
    const morePlease = () => {
      budget = Math.max(budget, written) + PHASE_EVENTS;
      gate.release?.();
    };
    const writer = (async () => {
      while (writing) {
        if (written >= budget) {
          // Parked until the next phase asks for more (or the test ends), not on a timer.
          await new Promise<void>((r) => (gate.release = r));
          gate.release = null;
          continue;
        }
        await county.step();
        written++;
        // The SQLite store answers synchronously: yield, so that the probes' timers run too.
        await new Promise((r) => setImmediate(r));
      }
    })();

    try {
      const running = [startChild(), startChild(), startChild()];
      const leaderOf = async () => {
        const pid = await holderPid();
        return running.find((c) => c.pid === pid && c.proc.exitCode === null && c.proc.signalCode === null) ?? null;
      };
      let leader = await eventually('a leader', leaderOf);
      await eventually('the leader applies', async () => (await checkpoint()) > 0n);
      // One leader only: the others say they stand by and never that they lead.
      await eventually('every process started', async () => running.every((c) => c.out.includes('standby as')));

      takeovers[engine] = [];
      backlogs[engine] = [];
      for (let k = 0; k < KILLS; k++) {
        morePlease();
        const target = (await checkpoint()) + 50n;
        await eventually('the leader passes a point ahead', async () => (await checkpoint()) >= target);
        const killedAt = Date.now();
        leader.proc.kill('SIGKILL');
        expect((await leader.exited).signal).toBe('SIGKILL');
        const at = await checkpoint();
        backlogs[engine].push(Number((await store.headPosition()) - at));
        morePlease();
        const old = leader;
        leader = await eventually('another takes the lease', async () => {
          const next = await leaderOf();
          return next && next !== old ? next : null;
        });
        await eventually('the checkpoint advances again', async () => (await checkpoint()) > at);
        takeovers[engine].push(Date.now() - killedAt);
        // The new leader's first batch may commit before its line reaches this process's pipe.
        const said = leader;
        await eventually('the new leader says it leads', async () => said.out.includes('leader (lease token'));
        running.splice(running.indexOf(old), 1, startChild());
      }

      if (engine === 'postgres') {
        // Frozen leader (a paused VM): another takes over once its lease expires; woken, it must not apply.
        const frozen = leader;
        morePlease();
        const ahead = (await checkpoint()) + 50n;
        await eventually('the leader passes a point ahead', async () => (await checkpoint()) >= ahead);
        frozen.proc.kill('SIGSTOP');
        morePlease();
        const at = await checkpoint();
        leader = await eventually('another takes over from the frozen leader', async () => {
          const next = await leaderOf();
          return next && next !== frozen ? next : null;
        });
        await eventually('the checkpoint advances again', async () => (await checkpoint()) > at);
        const since = frozen.out.length;
        frozen.proc.kill('SIGCONT');
        // Whatever it was doing when frozen (mid-batch, its transaction since ended by the server; idle;
        // renewing), it steps down and says so; it neither exits nor takes the lease back.
        await eventually('the woken leader steps down', async () => frozen.out.slice(since).includes('standby: lease lost'), {
          timeoutMs: 60_000,
          explain: () => `the woken leader's log (exit ${frozen.proc.exitCode ?? frozen.proc.signalCode}):\n${frozen.out}`,
        });
        process.stdout.write(`${engine}: the woken leader: ${/standby: lease lost.*/.exec(frozen.out.slice(since))![0]}\n`);
        expect(frozen.out.slice(since)).not.toContain('projector failed');
        expect(frozen.out.slice(since)).not.toContain('leader (lease token');
        expect(frozen.proc.exitCode).toBeNull();
        expect(await holderPid()).toBe(leader.pid);
      }

      writing = false;
      gate.release?.();
      await writer;
      const head = await store.headPosition();
      expect(written).toBeGreaterThan(200);
      process.stdout.write(`${engine}: ${written} events written during the failovers\n`);
      await eventually('caught up', async () => (await checkpoint()) === head);
      // The temporal read models follow in transactions of their own, with their own checkpoint.
      await eventually('temporal read models caught up', async () => (await temporalCheckpoint(live)) === head);
      // The fencing token counts acquisitions: one per hand-over at least.
      const lease = (await readLease(live))!;
      expect(Number(lease.token)).toBeGreaterThanOrEqual(1 + KILLS + (engine === 'postgres' ? 1 : 0));

      // Graceful stop: each hands the lease back and exits 0 (the last one started may still be loading).
      await eventually('every process started', async () => running.every((c) => c.out.includes('standby as')));
      for (const c of running) c.proc.kill('SIGTERM');
      for (const c of running) expect(await c.exited).toEqual({ code: 0, signal: null });
      expect((await readLease(live))!.holder).toBeNull();
    } finally {
      writing = false;
      gate.release?.();
      await writer;
    }

    const head = await store.headPosition();
    expect(await checkpoint()).toBe(head);
    rebuilt = await openReadModels({
      dataDir: path.join(work, 'rebuilt'),
      readDbUrl: server ? await createTestDatabase(server.serverUrl) : null,
    });
    await rebuildReadModels(rebuilt, store);
    const expected = await dumpReadModels(rebuilt);
    expect(expected.rm_item.length).toBeGreaterThan(50);
    expect(await dumpReadModels(live)).toEqual(expected);
  }, 400_000);
}

describe('projector failover on SQLite (events and read models in files)', () => failover('sqlite'));
describe('projector failover on PostgreSQL (events and read models on the server)', () => failover('postgres'));
