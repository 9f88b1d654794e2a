import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_API_HEAP_MB } from '@ledger/platform';
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import { spawnBuilt } from '@ledger/platform/testing/processes';
import { parseStartArgs } from './start';

describe('ledger start: arguments', () => {
  it('runs both processes by default, one with --only, and keeps --demo', () => {
    expect(parseStartArgs([])).toEqual({ ok: true, options: { demo: false } });
    expect(parseStartArgs(['--only', 'api'])).toEqual({ ok: true, options: { demo: false, only: 'api' } });
    expect(parseStartArgs(['--only=projector'])).toEqual({ ok: true, options: { demo: false, only: 'projector' } });
    expect(parseStartArgs(['--demo', '--only', 'api'])).toEqual({ ok: true, options: { demo: true, only: 'api' } });
  });

  it.each([
    [['--only', 'web'], /--only "web": expected api or projector/],
    [['--only'], /--only/],
    [['--demo', '--only', 'projector'], /--demo needs the API/],
    [['--api'], /Unknown option '--api'[\s\S]*start \[--demo\] \[--only api\|projector\]/],
    [['api'], /Unexpected argument 'api'/],
  ])('refuses %j with a message', (args, message) => {
    const parsed = parseStartArgs(args);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toMatch(message);
  });
});

describe('ledger start --only api, built and run', () => {
  const ROOT = path.resolve(__dirname, '../../..');
  const scratch = `.start-only-${process.pid}`;
  const started = new Set<ChildProcess>();
  let cliMain: string;
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-only-'));
    // The CLI finds the API's main.js beside it (dist/<scratch>/apps/api/src), as in the real build.
    [cliMain] = buildEntryPoints(scratch, ['apps/cli/src/main.ts', 'apps/api/src/main.ts']);
  }, 300_000);

  afterAll(() => {
    for (const c of started) c.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(path.join(ROOT, 'dist', scratch), { recursive: true, force: true });
  });

  const cli = (args: string[]) =>
    spawnBuilt(cliMain, args, { cwd: ROOT, env: { LEDGER_DATA_DIR: dataDir, PORT: '0', LEDGER_DEADLINE_WORKER: 'off' }, started });

  it('refuses a wrong --only with exit code 2', async () => {
    const run = cli(['start', '--only', 'web']);
    expect(await run.exited).toBe(2);
    expect(run.out()).toMatch(/ledger: start --only "web": expected api or projector/);
  });

  it('runs the API alone under the heap bound, answers /health/ready, and stops cleanly on SIGTERM', async () => {
    const run = cli(['start', '--only', 'api']);
    const url = await new Promise<string>((resolve, reject) => {
      run.child.stdout!.on('data', () => {
        const m = /listening on (\S+)/.exec(run.out());
        if (m) resolve(m[1].replace('[::1]', '127.0.0.1'));
      });
      void run.exited.then((code) => reject(new Error(`ledger start exited ${code}: ${run.out()}`)));
    });
    const ready = await waitForReady(`${url}/health/ready`, 60_000);
    expect(ready).toMatchObject({ status: 'ok', engine: 'sqlite' });

    const children = childrenOf(run.child.pid!);
    expect(children).toHaveLength(1);
    const argv = fs.readFileSync(`/proc/${children[0]}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain(`--max-old-space-size=${DEFAULT_API_HEAP_MB}`);
    expect(argv.some((a) => a.endsWith(path.join('apps', 'api', 'src', 'main.js')))).toBe(true);
    expect(argv.some((a) => a.endsWith(path.join('apps', 'projector', 'src', 'main.js')))).toBe(false);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // The launcher exits only after its child did.
    expect(fs.existsSync(`/proc/${children[0]}`)).toBe(false);
    expect(run.out()).not.toMatch(/exited .*; stopping/);
  }, 120_000);
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
