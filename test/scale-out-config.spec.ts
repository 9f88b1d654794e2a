/**
 * Checked on the built processes: LEDGER_EVENT_STORE, LEDGER_EVENT_STORE_URL and
 * LEDGER_READ_DB_URL choose the engines of the API, the projector and the CLI alike; a wrong
 * combination stops each of them with exit code 1 and a message naming the variable; a right one
 * (PostgreSQL for events and read models) serves.
 */
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { spawnBuilt, type SpawnedProcess } from '@ledger/platform/testing/processes';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist', `.config-${process.pid}`);
const MAINS = { api: 'apps/api/src/main.js', projector: 'apps/projector/src/main.js', cli: 'apps/cli/src/main.js' } as const;
type Main = keyof typeof MAINS;

const started = new Set<ChildProcess>();
let dataDir: string;
let server: TestPostgres | undefined;

function run(main: Main, env: Record<string, string>, args: string[] = []): SpawnedProcess {
  return spawnBuilt(path.join(OUT, MAINS[main]), args, {
    cwd: ROOT,
    env: { LEDGER_DATA_DIR: dataDir, PORT: '0', LEDGER_DEADLINE_WORKER: 'off', ...env },
    started,
  });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-spec-'));
  buildEntryPoints(
    path.basename(OUT),
    Object.values(MAINS).map((m) => m.replace(/\.js$/, '.ts')),
  );
  server = await startTestPostgres();
}, 300_000);

afterAll(async () => {
  for (const c of started) c.kill('SIGKILL');
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(OUT, { recursive: true, force: true });
}, 60_000);

const BAD: Array<[string, Record<string, string>, RegExp]> = [
  ['postgres without a URL', { LEDGER_EVENT_STORE: 'postgres' }, /LEDGER_EVENT_STORE=postgres needs LEDGER_EVENT_STORE_URL=postgres:\/\//],
  [
    'postgres with an EventStoreDB URL',
    { LEDGER_EVENT_STORE: 'postgres', LEDGER_EVENT_STORE_URL: 'esdb://localhost:2113?tls=false' },
    /LEDGER_EVENT_STORE=postgres needs LEDGER_EVENT_STORE_URL=postgres:\/\//,
  ],
  [
    'eventstoredb with a PostgreSQL URL',
    { LEDGER_EVENT_STORE: 'eventstoredb', LEDGER_EVENT_STORE_URL: 'postgres://u:p@localhost:5432/ledger' },
    /LEDGER_EVENT_STORE=eventstoredb needs LEDGER_EVENT_STORE_URL=esdb:\/\//,
  ],
  [
    'a URL with the embedded store',
    { LEDGER_EVENT_STORE_URL: 'postgres://u:p@localhost:5432/ledger' },
    /LEDGER_EVENT_STORE_URL is set but LEDGER_EVENT_STORE is sqlite/,
  ],
  ['a read database that is not PostgreSQL', { LEDGER_READ_DB_URL: 'mysql://u:p@localhost:3306/ledger' }, /LEDGER_READ_DB_URL must be a postgres:\/\/ URL/],
  ['an unknown engine', { LEDGER_EVENT_STORE: 'mongodb' }, /LEDGER_EVENT_STORE=mongodb: expected sqlite, postgres or eventstoredb/],
];

describe.each(['api', 'projector', 'cli'] as const)('the built %s refuses a wrong configuration', (main) => {
  it.each(BAD)('%s: exit code 1 and the message', async (_name, env, message) => {
    const p = run(main, env, main === 'cli' ? ['token', '--role', 'admin', '--sub', 'root'] : []);
    expect(await p.exited).toBe(1);
    expect(p.out()).toMatch(message);
    expect(p.out()).toMatch(/invalid configuration/);
  });
});

describe('the built processes on PostgreSQL (LEDGER_EVENT_STORE=postgres, LEDGER_READ_DB_URL)', () => {
  it('the CLI mints a token, the API serves on both databases with it, the projector takes the lease', async () => {
    const env = {
      LEDGER_EVENT_STORE: 'postgres',
      LEDGER_EVENT_STORE_URL: await createTestDatabase(server!.serverUrl),
      LEDGER_READ_DB_URL: await createTestDatabase(server!.serverUrl),
    };
    const token = run('cli', env, ['token', '--role', 'admin', '--sub', 'root']);
    expect(await token.exited).toBe(0);
    const bearer = token.out().trim();
    expect(bearer.split('.')).toHaveLength(3);

    const api = run('api', env);
    const projector = run('projector', env);
    const url = await new Promise<string>((resolve, reject) => {
      api.child.stdout!.on('data', () => {
        const m = /listening on (\S+)/.exec(api.out());
        if (m) resolve(m[1].replace('[::1]', '127.0.0.1'));
      });
      void api.exited.then((code) => reject(new Error(`api exited ${code}: ${api.out()}`)));
    });
    const ready = (await (await fetch(`${url}/health/ready`)).json()) as Record<string, string>;
    expect(ready.engine).toBe('postgres');
    // The projector process starts cold (modules, migrations, the lease) beside the API: a read's
    // minPosition waits at most 5 s (API.md), less than that start may take on a loaded machine.
    const leader = /leader \(lease token 1\): started after position \d+ \(store postgres, read models postgres\)/;
    expect(await projector.said(leader, 90_000)).toBe(true);
    const unit = await fetch(`${url}/api/v1/units`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ id: 'county', name: '县委', kind: 'county_committee' }),
    });
    expect(unit.status).toBe(201);
    const { position } = (await unit.json()) as { position: string };
    // The projector process (not the API) applies it to the PostgreSQL read models. Each 503 (read
    // models behind) has already waited 5 s on the server: ask again, up to a generous deadline.
    const until = Date.now() + 60_000;
    let units: Response;
    do {
      units = await fetch(`${url}/api/v1/units?minPosition=${position}`, { headers: { authorization: `Bearer ${bearer}` } });
    } while (units.status === 503 && Date.now() < until);
    expect(units.status).toBe(200);
    expect(((await units.json()) as Array<{ id: string }>).map((u) => u.id)).toEqual(['county']);

    api.child.kill('SIGTERM');
    projector.child.kill('SIGTERM');
    expect(await projector.exited).toBe(0);
    await api.exited;
    // Nothing was written into the data folder's SQLite files: both databases are PostgreSQL.
    expect(fs.readdirSync(dataDir).filter((f) => f.startsWith('events') || f.startsWith('read-models'))).toEqual([]);
  }, 240_000);
});
