/**
 * Hardening, what only the built processes show: the address the API binds, the demo
 * sign-in list after a restart without --demo, and the modes of the data folder's files.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, openEventStore } from '@ledger/platform';
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import { spawnBuilt, type SpawnedProcess } from '@ledger/platform/testing/processes';
import request from 'supertest';
import { createApp } from '../apps/api/src/create-app';
import { writeDemoUsers } from '../apps/api/src/web/demo-users.controller';

const ROOT = path.resolve(__dirname, '..');
const scratch = `.hardening-${process.pid}`;
const started = new Set<ChildProcess>();
let cliMain: string;
let apiMain: string;
const folders: string[] = [];

beforeAll(() => {
  // The CLI finds the API's main.js beside it (dist/<scratch>/apps/api/src), as in the real build.
  [cliMain, apiMain] = buildEntryPoints(scratch, ['apps/cli/src/main.ts', 'apps/api/src/main.ts']);
}, 300_000);

afterAll(() => {
  for (const c of started) c.kill('SIGKILL');
  for (const f of folders) fs.rmSync(f, { recursive: true, force: true });
  fs.rmSync(path.join(ROOT, 'dist', scratch), { recursive: true, force: true });
});

const tempFolder = (prefix: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(dir);
  return dir;
};

const run = (file: string, args: string[], env: Record<string, string>): SpawnedProcess =>
  spawnBuilt(file, args, { cwd: ROOT, env: { PORT: '0', LEDGER_DEADLINE_WORKER: 'off', LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL', ...env }, started });

/** The URL the API says it listens on (a probe on its output, with a deadline). */
async function listening(p: SpawnedProcess): Promise<URL> {
  if (!(await p.said(/API listening on \S+/, 120_000))) throw new Error(`the API did not start: ${p.out()}`);
  return new URL(/API listening on (\S+)/.exec(p.out())![1]);
}

async function stop(p: SpawnedProcess): Promise<void> {
  p.child.kill('SIGTERM');
  await p.exited;
}

/** 'refused' when nothing listens there, else the status of GET /health/live. */
async function probe(host: string, port: string): Promise<number | 'refused'> {
  try {
    return (await fetch(`http://${host}:${port}/health/live`)).status;
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED') return 'refused';
    throw e;
  }
}

describe('LEDGER_HOST: the address the API binds (issue 15.2)', () => {
  it('binds 127.0.0.1 by default: another loopback address of this machine finds nothing', async () => {
    const api = run(apiMain, [], { LEDGER_DATA_DIR: tempFolder('ledger-host-') });
    const url = await listening(api);
    expect(url.hostname).toBe('127.0.0.1');
    expect(await probe('127.0.0.1', url.port)).toBe(200);
    // Bound to every address (the old default), 127.0.0.2 would answer too.
    expect(await probe('127.0.0.2', url.port)).toBe('refused');
    await stop(api);
  }, 180_000);

  it('binds the address LEDGER_HOST names, and only it', async () => {
    const api = run(apiMain, [], { LEDGER_DATA_DIR: tempFolder('ledger-host-'), LEDGER_HOST: '127.0.0.2' });
    const url = await listening(api);
    expect(url.hostname).toBe('127.0.0.2');
    expect(await probe('127.0.0.2', url.port)).toBe(200);
    expect(await probe('127.0.0.1', url.port)).toBe('refused');
    await stop(api);
  }, 180_000);

  it('a wrong LEDGER_HOST stops the start with the variable named', async () => {
    const api = run(apiMain, [], { LEDGER_DATA_DIR: tempFolder('ledger-host-'), LEDGER_HOST: 'http://0.0.0.0' });
    expect(await api.exited).toBe(1);
    expect(api.out()).toMatch(/LEDGER_HOST=http:\/\/0\.0\.0\.0: expected an IP address/);
  }, 60_000);
});

describe('the demo sign-in list after a restart without --demo (issue 15.2)', () => {
  it('`ledger start --demo` serves it and says so; the same folder started without --demo answers 404', async () => {
    // A folder that ran the demo: events in it, and the sign-in list the loader leaves behind.
    const dataDir = tempFolder('ledger-demo-restart-');
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_DEADLINE_WORKER: 'off' });
    const store = await openEventStore(config);
    const app = await createApp({ config, store, logger: false });
    await app.init();
    const { signToken, resolveJwtSecret } = await import('@ledger/platform');
    const admin = signToken({ sub: 'demo-admin', role: 'admin', name: '管理员' }, resolveJwtSecret(config));
    await request(app.getHttpServer())
      .post('/api/v1/units')
      .set('Authorization', `Bearer ${admin}`)
      .send({ id: 'county', name: '县委', kind: 'county_committee' })
      .expect(201);
    await app.close();
    await store.close();
    await writeDemoUsers(dataDir, [{ role: 'admin', name: '管理员', unitId: null, token: admin, label: '系统管理员' }]);

    const withDemo = run(cliMain, ['start', '--only', 'api', '--demo'], { LEDGER_DATA_DIR: dataDir });
    const url = await listening(withDemo);
    expect(withDemo.out()).toMatch(/DEMO MODE: the demo accounts and their tokens \(admin included\) are served without a token at \/api\/v1\/demo\/users/);
    const served = await fetch(new URL('/api/v1/demo/users', url));
    expect(served.status).toBe(200);
    expect(((await served.json()) as Array<{ token: string }>)[0].token).toBe(admin);
    await stop(withDemo);

    const without = run(cliMain, ['start', '--only', 'api'], { LEDGER_DATA_DIR: dataDir });
    const again = await listening(without);
    expect(without.out()).not.toMatch(/DEMO MODE/);
    const refused = await fetch(new URL('/api/v1/demo/users', again));
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain(admin);
    await stop(without);
  }, 240_000);
});

describe("the data folder is its owner's alone (issue 15.5)", () => {
  const mode = (file: string) => fs.statSync(file).mode & 0o777;

  it('a fresh folder is made 0700 and every database, secret and key in it 0600; a loosened one is named at start', async () => {
    const dataDir = path.join(tempFolder('ledger-modes-'), 'data', 'county');
    const first = run(apiMain, [], { LEDGER_DATA_DIR: dataDir });
    await listening(first);
    // While it runs, every SQLite database has its -wal and -shm files beside it (a clean close removes them).
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.dirname(dataDir))).toBe(0o700);
    const files = fs.readdirSync(dataDir).sort();
    for (const name of ['events.sqlite', 'read-models.sqlite', 'idempotency.sqlite', 'jwt-secret', 'seal-key.pem']) expect(files).toContain(name);
    expect(files.filter((f) => /-(wal|shm)$/.test(f)).length).toBeGreaterThan(0);
    for (const name of files) {
      // The seal's public key is meant to be handed out (ledger verify --key); it sits in the closed folder.
      if (name.endsWith('.pub.pem')) continue;
      expect({ name, mode: mode(path.join(dataDir, name)).toString(8) }).toEqual({ name, mode: '600' });
    }
    await stop(first);
    expect(first.out()).not.toMatch(/warning/);

    // An operator's copy or an old install: readable by every user of the machine.
    fs.chmodSync(dataDir, 0o755);
    for (const name of ['events.sqlite', 'jwt-secret', 'seal-key.pem']) fs.chmodSync(path.join(dataDir, name), 0o644);
    const second = run(apiMain, [], { LEDGER_DATA_DIR: dataDir });
    await listening(second);
    await second.said(/seal-key\.pem is open/, 30_000);
    await stop(second);
    const out = second.out();
    expect(out).toContain(`ledger API: warning: ${dataDir} is open to other users (mode 0755): chmod 700 '${dataDir}'`);
    for (const name of ['events.sqlite', 'jwt-secret', 'seal-key.pem']) {
      const file = path.join(dataDir, name);
      expect(out).toContain(`ledger API: warning: ${file} is open to other users (mode 0644): chmod 600 '${file}'`);
    }
    expect(out).not.toMatch(/read-models\.sqlite is open/);
  }, 240_000);
});
