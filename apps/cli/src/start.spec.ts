import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_API_HEAP_MB } from '@ledger/platform';
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import { eventually } from '@ledger/platform/testing/eventually';
import { spawnBuilt } from '@ledger/platform/testing/processes';
import { parseStartArgs } from './start';

describe('ledger start: arguments', () => {
  it('runs both processes by default, one with --only, and keeps --demo', () => {
    expect(parseStartArgs([])).toEqual({ ok: true, options: { demo: false } });
    expect(parseStartArgs(['--only', 'api'])).toEqual({ ok: true, options: { demo: false, only: 'api' } });
    expect(parseStartArgs(['--only=projector'])).toEqual({ ok: true, options: { demo: false, only: 'projector' } });
    expect(parseStartArgs(['--only', 'notifier'])).toEqual({ ok: true, options: { demo: false, only: 'notifier' } });
    expect(parseStartArgs(['--demo', '--only', 'api'])).toEqual({ ok: true, options: { demo: true, only: 'api' } });
  });

  it.each([
    [['--only', 'web'], /--only "web": expected api, projector or notifier/],
    [['--only'], /--only/],
    [['--demo', '--only', 'projector'], /--demo needs the API/],
    [['--demo', '--only', 'notifier'], /--demo needs the API: use it without --only notifier/],
    [['--api'], /Unknown option '--api'[\s\S]*start \[--demo\] \[--only api\|projector\|notifier\]/],
    [['api'], /Unexpected argument 'api'/],
  ])('refuses %j with a message', (args, message) => {
    const parsed = parseStartArgs(args);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toMatch(message);
  });
});

describe('ledger start, built and run', () => {
  const ROOT = path.resolve(__dirname, '../../..');
  const scratch = `.start-only-${process.pid}`;
  const started = new Set<ChildProcess>();
  let cliMain: string;
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-only-'));
    // The CLI finds the API's main.js beside it (dist/<scratch>/apps/api/src), as in the real build.
    [cliMain] = buildEntryPoints(scratch, ['apps/cli/src/main.ts', 'apps/api/src/main.ts', 'apps/projector/src/main.ts']);
  }, 300_000);

  afterAll(() => {
    // The launcher's children first: killed alone, it would leave them running.
    for (const c of started) {
      for (const pid of childrenOf(c.pid!)) process.kill(pid, 'SIGKILL');
      c.kill('SIGKILL');
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(path.join(ROOT, 'dist', scratch), { recursive: true, force: true });
  });

  const cli = (args: string[], env: Record<string, string> = {}, dir = dataDir) =>
    spawnBuilt(cliMain, args, { cwd: ROOT, env: { LEDGER_DATA_DIR: dir, PORT: '0', LEDGER_DEADLINE_WORKER: 'off', ...env }, started });

  /** The URL the API prints once it listens (the launcher passes its output through). */
  const listening = (run: ReturnType<typeof cli>) =>
    new Promise<string>((resolve, reject) => {
      const look = () => {
        const m = /API listening on (\S+)/.exec(run.out());
        if (m) resolve(m[1].replace('[::1]', '127.0.0.1'));
      };
      look();
      run.child.stdout!.on('data', look);
      void run.exited.then((code) => reject(new Error(`ledger start exited ${code}: ${run.out()}`)));
    });

  it('refuses a wrong --only with exit code 2', async () => {
    const run = cli(['start', '--only', 'web']);
    expect(await run.exited).toBe(2);
    expect(run.out()).toMatch(/ledger: start --only "web": expected api, projector or notifier/);
  });

  it('runs the API alone under the heap bound, answers /health/ready, and stops cleanly on SIGTERM', async () => {
    const run = cli(['start', '--only', 'api']);
    const url = await listening(run);
    const ready = await waitForReady(`${url}/health/ready`, 60_000);
    expect(ready).toMatchObject({ status: 'ok', engine: 'sqlite' });

    const children = childrenOf(run.child.pid!);
    expect(children).toHaveLength(1);
    const argv = fs.readFileSync(`/proc/${children[0]}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain(`--max-old-space-size=${DEFAULT_API_HEAP_MB}`);
    expect(argv).toContain('--max-semi-space-size=4');
    expect(argv.some((a) => a.endsWith(path.join('apps', 'api', 'src', 'main.js')))).toBe(true);
    expect(argv.some((a) => a.endsWith(path.join('apps', 'projector', 'src', 'main.js')))).toBe(false);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // The launcher exits only after its child did.
    expect(fs.existsSync(`/proc/${children[0]}`)).toBe(false);
    expect(run.out()).not.toMatch(/exited .*; stopping/);
  }, 120_000);

  it('restarts a projector killed by SIGKILL while the API keeps serving; after LEDGER_RESTART_LIMIT restarts it gives up loudly and readiness reports the projector absent', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-supervised-'));
    try {
      const run = cli(
        ['start'],
        { LEDGER_RESTART_LIMIT: '1', LEDGER_RESTART_BACKOFF_MS: '100', LEDGER_PROJECTOR_LEASE_SECONDS: '1', LEDGER_READY_GRACE_SECONDS: '0' },
        dir,
      );
      const url = await listening(run);
      expect(await run.said(/projector leader \(lease token 1\)/, 90_000)).toBe(true);
      await waitForReady(`${url}/health/ready`, 60_000);
      const token = cli(['token', '--role', 'admin', '--sub', 'root'], {}, dir);
      expect(await token.exited).toBe(0);
      const auth = { authorization: `Bearer ${token.out().trim()}`, 'content-type': 'application/json' };
      const projectorPid = () =>
        childrenOf(run.child.pid!).find((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path.join('projector', 'src', 'main.js')));

      const first = projectorPid()!;
      process.kill(first, 'SIGKILL');
      expect(await run.said(/ledger: projector exited \(SIGKILL\); restarting it in 100 ms \(restart 1 of 1 in a row\)/, 30_000)).toBe(true);
      // The API stayed up: it takes a write, and the restarted projector (a new process, the lease's next token) applies it.
      const created = await fetch(`${url}/api/v1/units`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ id: 'county', name: '县委', kind: 'county_committee' }),
      });
      expect(created.status).toBe(201);
      const { position } = (await created.json()) as { position: string };
      expect(await run.said(/projector leader \(lease token 2\)/, 60_000)).toBe(true);
      const second = projectorPid();
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
      const units = await eventually(
        'the restarted projector applies the new unit',
        async () => {
          const res = await fetch(`${url}/api/v1/units?minPosition=${position}`, { headers: auth });
          return res.status === 200 ? ((await res.json()) as Array<{ id: string }>) : null;
        },
        { explain: run.out },
      );
      expect(units.map((u) => u.id)).toEqual(['county']);

      process.kill(second!, 'SIGKILL');
      expect(await run.said(/ledger: GIVING UP on the projector: it exited \(SIGKILL\) after 1 restart\(s\) in a row; the API keeps serving/, 30_000)).toBe(
        true,
      );
      const reads = await fetch(`${url}/api/v1/units`, { headers: auth });
      expect(reads.status).toBe(200);
      // Its lease expires (1 s by the database's clock): readiness then names the absent projector.
      const absent = await eventually(
        'readiness names the absent projector',
        async () => {
          const res = await fetch(`${url}/health/ready`);
          const body = (await res.json()) as { code?: string; detail?: string };
          return res.status === 503 && body.code === 'PROJECTOR_ABSENT' ? body : null;
        },
        { explain: run.out },
      );
      expect(absent.detail).toMatch(/no projector holds the projection lease/);
      expect(run.child.exitCode).toBeNull();

      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

/** Probe: GET until it answers 200, or fail after the deadline. */
async function waitForReady(url: string, deadlineMs: number): Promise<unknown> {
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok) return res.json();
      last = `${res.status} ${await res.text()}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`${url} not ready after ${deadlineMs} ms: ${last}`);
}

/** The pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // Field 4 of stat is the parent pid; the command name (field 2) is parenthesised and may hold spaces.
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}
