import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import { eventually } from '@ledger/platform/testing/eventually';
import { spawnBuilt } from '@ledger/platform/testing/processes';
import { mountTmpfs, type Tmpfs } from '@ledger/platform/testing/tmpfs';

/**
 * `ledger start` (the API and the projector, two processes) with its data folder on a small real
 * file system that fills up: writes answer 507 STORAGE_FULL, never 500; reads go on; nothing dies;
 * once space is freed, writes are taken and projected again without a restart.
 */
describe('a full disk under ledger start', () => {
  const ROOT = path.resolve(__dirname, '..');
  const scratch = `.disk-full-${process.pid}`;
  const started = new Set<ChildProcess>();
  let cliMain: string;
  let disk: Tmpfs;

  beforeAll(() => {
    [cliMain] = buildEntryPoints(scratch, ['apps/cli/src/main.ts', 'apps/api/src/main.ts', 'apps/projector/src/main.ts']);
    disk = mountTmpfs(32 * 1024);
  }, 300_000);
  afterAll(() => {
    // The launcher's children first: killed alone, it would leave them running (it forwards signals it can catch).
    for (const c of started) {
      const children = spawnSync('pgrep', ['-P', String(c.pid)], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter(Boolean);
      for (const pid of children) process.kill(Number(pid), 'SIGKILL');
      c.kill('SIGKILL');
    }
    disk?.unmount();
    fs.rmSync(path.join(ROOT, 'dist', scratch), { recursive: true, force: true });
  });

  it('answers 507 with a problem naming the cause, keeps serving reads, and recovers by itself when space returns', async () => {
    // LEDGER_RESTART_LIMIT=0: a child that died would not be started again, and the launcher would say so.
    const env = {
      LEDGER_DATA_DIR: disk.dir,
      PORT: '0',
      LEDGER_BOOTSTRAP_ADMIN: 'admin:Initial-Pass-2026',
      LEDGER_DEADLINE_WORKER: 'off',
      LEDGER_RESTART_LIMIT: '0',
      LEDGER_PROJECTOR_LEASE_SECONDS: '1',
    };
    const run = spawnBuilt(cliMain, ['start'], { cwd: ROOT, env, started });
    const url = await eventually('the API listens', () => /API listening on (\S+)/.exec(run.out())?.[1].replace('[::1]', '127.0.0.1'), {
      timeoutMs: 120_000,
      explain: run.out,
    });
    await eventually('the projector leads', () => /projector leader \(lease token 1\)/.test(run.out()) || null, { timeoutMs: 90_000, explain: run.out });
    const token = spawnBuilt(cliMain, ['token', '--role', 'admin', '--sub', 'root'], { cwd: ROOT, env, started });
    expect(await token.exited).toBe(0);
    const auth = { authorization: `Bearer ${token.out().trim()}`, 'content-type': 'application/json' };
    const post = (id: string, parentId?: string) =>
      fetch(`${url}/api/v1/units`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify(parentId ? { id, name: `乡镇${id}`, kind: 'township_committee', parentId } : { id, name: '县委', kind: 'county_committee' }),
      });
    expect((await post('county')).status).toBe(201);

    // A person signed in (the system administrator): plain reads of a session are not audit entries.
    const signIn = async (password: string) => {
      const res = await fetch(`${url}/api/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: 'admin', password }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { accessToken: string }).accessToken;
    };
    const first = await signIn('Initial-Pass-2026');
    const changed = await fetch(`${url}/api/v1/auth/password`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first}`, 'content-type': 'application/json' },
      body: JSON.stringify({ current: 'Initial-Pass-2026', next: 'Changed-Pass-2026' }),
    });
    expect(changed.status).toBe(204);
    const person = { authorization: `Bearer ${await signIn('Changed-Pass-2026')}` };

    const filler = path.join(disk.dir, 'filler');
    const fd = fs.openSync(filler, 'w');
    for (const size of [1024 * 1024, 4096, 512, 1]) {
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(size, 7));
      } catch (e) {
        expect((e as { code?: string }).code).toBe('ENOSPC');
      }
    }
    fs.closeSync(fd);

    // A write may still land in space SQLite had already (its write-ahead log is reused): write until one does not.
    const answers: number[] = [];
    let refused: Record<string, unknown> | null = null;
    for (let i = 0; i < 500 && !refused; i++) {
      const res = await post(`t${i}`, 'county');
      answers.push(res.status);
      if (res.status !== 201)
        refused = {
          ...((await res.json()) as Record<string, unknown>),
          contentType: res.headers.get('content-type'),
          retryAfter: res.headers.get('retry-after'),
        };
    }
    expect(answers.filter((s) => s !== 201)).toEqual([507]);
    expect(refused).toMatchObject({
      status: 507,
      code: 'STORAGE_FULL',
      title: 'Insufficient Storage',
      contentType: expect.stringMatching(/^application\/problem\+json/),
      retryAfter: '30',
    });
    expect(String(refused!.detail)).toMatch(/no disk space left/);

    const reads = await fetch(`${url}/api/v1/units`, { headers: person });
    expect(reads.status).toBe(200);
    expect(((await reads.json()) as Array<{ id: string }>).map((u) => u.id)).toContain('county');
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    // A machine client's every use is an audit entry (API.md): with no room to record it, it is not answered.
    const machineRead = await fetch(`${url}/api/v1/units`, { headers: auth });
    expect(machineRead.status).toBe(507);
    expect(await machineRead.json()).toMatchObject({ code: 'STORAGE_FULL' });

    fs.rmSync(filler);
    const after = await post('after', 'county');
    expect(after.status).toBe(201);
    const { position } = (await after.json()) as { position: string };
    const units = await eventually(
      'the projector applies the write made after space returned',
      async () => {
        const res = await fetch(`${url}/api/v1/units?minPosition=${position}`, { headers: auth });
        return res.status === 200 ? ((await res.json()) as Array<{ id: string }>) : null;
      },
      { explain: run.out },
    );
    expect(units.map((u) => u.id)).toContain('after');
    expect(run.out()).not.toMatch(/exited|GIVING UP/);
    expect(run.child.exitCode).toBeNull();

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  }, 300_000);
});
