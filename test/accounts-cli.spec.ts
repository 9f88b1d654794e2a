/**
 * Accounts on the built processes: the first start of the API on an empty data folder opens the system
 * administrator and prints its one-time password once (never on a later start), or takes
 * LEDGER_BOOTSTRAP_ADMIN=<login>:<password>, whose bad form stops the API and `ledger start` with a
 * message naming the variable; `ledger account add | grant | revoke | reset-password | lock | unlock |
 * list` run in the CLI's own process on the same store.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, openEventStore } from '@ledger/platform';
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import { spawnBuilt, type SpawnedProcess } from '@ledger/platform/testing/processes';
import { CredentialsStore } from '@ledger/application';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist', `.accounts-${process.pid}`);
const MAINS = { api: 'apps/api/src/main.js', cli: 'apps/cli/src/main.js' } as const;

const started = new Set<ChildProcess>();
const dirs: string[] = [];

function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accounts-cli-'));
  dirs.push(dir);
  return dir;
}

function run(main: keyof typeof MAINS, dataDir: string, args: string[] = [], env: Record<string, string> = {}): SpawnedProcess {
  return spawnBuilt(path.join(OUT, MAINS[main]), args, {
    cwd: ROOT,
    env: { LEDGER_DATA_DIR: dataDir, PORT: '0', LEDGER_DEADLINE_WORKER: 'off', LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL', ...env },
    started,
  });
}

/** Runs the CLI to its end: exit code and output. */
async function cli(dataDir: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
  const p = run('cli', dataDir, args);
  const code = await p.exited;
  return { code, out: p.out() };
}

/** Starts the API, waits until it listens, stops it; answers everything it wrote. */
async function startAndStopApi(dataDir: string, env: Record<string, string> = {}): Promise<string> {
  const api = run('api', dataDir, [], env);
  const listening = await Promise.race([api.said(/ledger API listening on/, 120_000), api.exited.then(() => false)]);
  if (!listening) throw new Error(`the API did not start:\n${api.out()}`);
  api.child.kill('SIGTERM');
  await api.exited;
  return api.out();
}

async function accountEvents(dataDir: string, stream: string) {
  const store = await openEventStore(loadConfig({ LEDGER_DATA_DIR: dataDir }));
  try {
    return await store.readStream(stream);
  } finally {
    await store.close();
  }
}

async function credentialsOf(dataDir: string, accountId: string, password: string) {
  const credentials = new CredentialsStore({ dataDir, readDbUrl: null });
  try {
    return { verified: await credentials.verify(accountId, password), mustChange: (await credentials.get(accountId))?.mustChange };
  } finally {
    await credentials.close();
  }
}

beforeAll(() => {
  buildEntryPoints(
    path.basename(OUT),
    Object.values(MAINS).map((m) => m.replace(/\.js$/, '.ts')),
  );
}, 300_000);

afterAll(() => {
  for (const c of started) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  fs.rmSync(OUT, { recursive: true, force: true });
});

describe('the bootstrap administrator', () => {
  let dataDir: string;
  let password: string;

  it('is opened on the first start of an empty data folder, its one-time password printed once', async () => {
    dataDir = freshDir();
    const out = await startAndStopApi(dataDir);
    const lines = out.split('\n').filter((l) => l.startsWith('bootstrap administrator:'));
    expect(lines).toHaveLength(1);
    const m = /^bootstrap administrator: login admin, one-time password ([A-Za-z0-9]{16}) /.exec(lines[0]);
    expect(m).not.toBeNull();
    password = m![1];
    expect(await credentialsOf(dataDir, 'bootstrap-sysadmin', password)).toEqual({ verified: true, mustChange: true });
    const events = await accountEvents(dataDir, 'account-bootstrap-sysadmin');
    expect(events.map((e) => [e.type, (e.metadata.actor as { role: string }).role])).toEqual([
      ['AccountOpened', 'system'],
      ['AccountPasswordSet', 'system'],
    ]);
    expect(events[0].data).toMatchObject({ login: 'admin', roles: ['sysadmin'] });
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain(password);
  }, 180_000);

  it('is not opened again, nor printed, on the second start', async () => {
    const out = await startAndStopApi(dataDir);
    expect(out).not.toMatch(/bootstrap administrator/);
    expect(await accountEvents(dataDir, 'account-bootstrap-sysadmin')).toHaveLength(2);
    expect((await credentialsOf(dataDir, 'bootstrap-sysadmin', password)).verified).toBe(true);
  }, 180_000);

  it('takes LEDGER_BOOTSTRAP_ADMIN=<login>:<password>, printing no password', async () => {
    const dir = freshDir();
    const out = await startAndStopApi(dir, { LEDGER_BOOTSTRAP_ADMIN: 'chief:Long:enough-9' });
    expect(out).toMatch(/^bootstrap administrator: login chief, password from LEDGER_BOOTSTRAP_ADMIN/m);
    expect(out).not.toContain('Long:enough-9');
    expect(await credentialsOf(dir, 'bootstrap-sysadmin', 'Long:enough-9')).toEqual({ verified: true, mustChange: true });
  }, 180_000);

  it.each([
    ['no colon', 'chief', /LEDGER_BOOTSTRAP_ADMIN must be <login>:<password>/],
    ['a short password', 'chief:short', /LEDGER_BOOTSTRAP_ADMIN: the password must be 10–128 characters/],
    ['a bad login', 'chief officer:Long-enough-9', /LEDGER_BOOTSTRAP_ADMIN: the login must be/],
  ])(
    'with %s stops the API and `ledger start` (exit 1, the variable named), writing nothing',
    async (_name, value, message) => {
      const dir = freshDir();
      for (const p of [run('api', dir, [], { LEDGER_BOOTSTRAP_ADMIN: value }), run('cli', dir, ['start'], { LEDGER_BOOTSTRAP_ADMIN: value })]) {
        expect(await p.exited).toBe(1);
        expect(p.out()).toMatch(message);
        expect(p.out()).not.toMatch(/listening/);
      }
      expect(fs.existsSync(path.join(dir, 'credentials.sqlite'))).toBe(false);
    },
    120_000,
  );
});

describe('ledger account', () => {
  it('adds, grants, revokes, locks, unlocks, resets and lists, as the CLI of the server', async () => {
    const dataDir = freshDir();
    const added = await cli(
      dataDir,
      'account',
      'add',
      '--id',
      'A1',
      '--login',
      'li.jiwei',
      '--name',
      '李纪委',
      '--role',
      'discipline',
      '--phone',
      '0971-1234567',
    );
    expect(added.code).toBe(0);
    const answer = JSON.parse(added.out.trim().split('\n').pop()!);
    expect(answer).toEqual({ id: 'A1', revision: 1, position: expect.any(String), initialPassword: expect.stringMatching(/^[A-Za-z0-9]{16}$/) });

    expect((await cli(dataDir, 'account', 'grant', 'li.jiwei', '--role', 'inspector', '--reason', '兼任')).code).toBe(0);
    const refused = await cli(dataDir, 'account', 'grant', 'A1', '--role', 'auditadmin');
    expect(refused).toEqual({ code: 1, out: expect.stringContaining('ADMIN_ROLES_EXCLUSIVE') });
    expect((await cli(dataDir, 'account', 'revoke', 'A1', '--role', 'inspector', '--reason', '调岗')).code).toBe(0);
    expect((await cli(dataDir, 'account', 'lock', 'LI.JIWEI', '--reason', '离岗')).code).toBe(0);
    expect((await cli(dataDir, 'account', 'unlock', 'A1')).code).toBe(0);
    const reset = await cli(dataDir, 'account', 'reset-password', 'A1', '--reason', '忘记密码');
    expect(reset.code).toBe(0);
    const again = JSON.parse(reset.out.trim().split('\n').pop()!).initialPassword as string;
    expect(again).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(await credentialsOf(dataDir, 'A1', again)).toEqual({ verified: true, mustChange: true });
    expect((await credentialsOf(dataDir, 'A1', answer.initialPassword)).verified).toBe(false);

    const bad = await cli(dataDir, 'account', 'add', '--login', 'x', '--name', '某人');
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/--login/);
    expect(bad.out).toMatch(/--role/);
    expect((await cli(dataDir, 'account', 'lock', 'nobody')).out).toMatch(/ACCOUNT_NOT_FOUND/);

    const events = await accountEvents(dataDir, 'account-A1');
    expect(events.map((e) => e.type)).toEqual([
      'AccountOpened',
      'AccountPasswordSet',
      'AccountRoleGranted',
      'AccountRoleRevoked',
      'AccountLocked',
      'AccountUnlocked',
      'AccountPasswordSet',
    ]);
    expect(events.map((e) => (e.metadata.actor as { role: string }).role)).toEqual([
      'sysadmin',
      'sysadmin',
      'secadmin',
      'secadmin',
      'secadmin',
      'secadmin',
      'secadmin',
    ]);

    const list = await cli(dataDir, 'account', 'list');
    expect(list).toEqual({ code: 0, out: 'A1\tli.jiwei\t李纪委\tdiscipline\t-\tactive\n' });
    // As of the grant's own instant, A1 held both roles; before anything, nobody held any.
    const granted = events[2].recordedAt;
    expect((await cli(dataDir, 'account', 'list', '--role', 'inspector', '--as-of', granted)).out).toBe(
      'A1\tli.jiwei\t李纪委\tdiscipline,inspector\t-\tactive\n',
    );
    expect(await cli(dataDir, 'account', 'list', '--as-of', '2000-01-01T00:00:00+08:00')).toEqual({ code: 0, out: '' });
  }, 240_000);
});
