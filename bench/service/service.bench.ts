import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { openSqliteEventStore, SQLITE_EVENTS_SCHEMA } from '@ledger/event-store';
import { LedgerSealer, integrityConfig, loadOrCreateSealKey } from '@ledger/integrity';
import { apiNodeFlags, loadConfig, signToken } from '@ledger/platform';
import { describeMachine, machine } from '../lib/machine';
import { measure, quick, size, tempDir } from '../lib/measure';
import { BenchModule, BenchReport } from '../lib/report';
import { generateCounty } from '../../apps/cli/src/scale/generate-county';
import { generateBenchCounty, type BenchCounty } from './county';

/*
 * The service as it runs in production: the API (dist/apps/api/src/main.js, createApp, default
 * durable FULL event store) and the projector (dist/apps/projector/src/main.js) as two processes on
 * one data folder, driven over HTTP by autocannon from this process. Every figure sits beside a
 * ceiling measured in the same run on the same machine.
 */

const SECRET = 'bench-service-secret-0123456789abcdef';
const DIST = path.resolve(__dirname, '..', '..');
const API_MAIN = path.join(DIST, 'apps', 'api', 'src', 'main.js');
const PROJECTOR_MAIN = path.join(DIST, 'apps', 'projector', 'src', 'main.js');

const sizes = {
  units: size('BENCH_SERVICE_UNITS', 1000, 100),
  items: size('BENCH_SERVICE_ITEMS', 100_000, 5_000),
  events: size('BENCH_SERVICE_EVENTS', 1_001_000, 50_000),
  seconds: size('BENCH_SERVICE_SECONDS', 15, 4),
  connections: size('BENCH_SERVICE_CONNECTIONS', 32, 32),
  ceilingRows: size('BENCH_SERVICE_CEILING_ROWS', 200_000, 20_000),
  querySamples: size('BENCH_SERVICE_QUERY_SAMPLES', 200, 40),
  lagCommands: size('BENCH_SERVICE_LAG_COMMANDS', 2_000, 300),
};
/** `scale`: the county of `ledger demo --scale N` (through the command path, slower); `direct`: bench/service/county.ts, straight into the store. */
const generator = process.env.BENCH_SERVICE_GENERATOR === 'direct' ? 'direct' : 'scale';

/** The ids the workload needs, read back from the rebuilt read models (the scale generator returns counts only). */
function countyFromReadModels(file: string, events: number): BenchCounty {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const units = db.prepare('SELECT id, "parentId" AS parentId FROM rm_unit WHERE dissolved = 0 ORDER BY path').all() as {
      id: string;
      parentId: string | null;
    }[];
    const countyId = units.find((u) => u.parentId === null)!.id;
    const townships = units.filter((u) => u.parentId === countyId).map((u) => u.id);
    const townshipSet = new Set(townships);
    const villages = units.filter((u) => u.parentId !== null && townshipSet.has(u.parentId)).map((u) => u.id);
    const openItems = db.prepare(`SELECT id, "unitId" AS unitId FROM rm_item WHERE status IN ('assigned', 'in_progress')`).all() as {
      id: string;
      unitId: string;
    }[];
    const sheets = db.prepare('SELECT id FROM rm_sheet').pluck().all() as string[];
    const cadres = db.prepare('SELECT id FROM rm_cadre WHERE has_left = 0').pluck().all() as string[];
    return { units: units.map((u) => u.id), villages, townships, countyId, openItems, sheets, cadres, events };
  } finally {
    db.close();
  }
}

function itemCount(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT count(*) FROM rm_item').pluck().get() as number;
  } finally {
    db.close();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** CPU seconds a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

type CpuPerRequest = Record<string, number>;

/** CPU milliseconds per request of each named process (from /proc) and of this one (the client) since the meter started. */
function cpuMeter(pids: Record<string, number>) {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const client = process.cpuUsage();
  return {
    perRequest(requests: number): CpuPerRequest {
      const out: CpuPerRequest = {};
      for (const [name, pid] of Object.entries(pids)) out[name] = ((cpuSeconds(pid) - before[name]) * 1000) / requests;
      const c = process.cpuUsage(client);
      out.client = (c.user + c.system) / 1000 / requests;
      return out;
    },
  };
}

/**
 * Waits until the processes are quiet (under 10% of a core over 2 s): after a start on a big ledger
 * the API's sealer checks the newest seal against the store and reads the stream heads, and that must not overlap the timed runs.
 */
async function quiet(pids: number[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const before = pids.map(cpuSeconds);
    await new Promise((r) => setTimeout(r, 2000));
    const busy = Math.max(...pids.map((p, i) => (cpuSeconds(p) - before[i]) / 2));
    if (busy < 0.1 || Date.now() - started > timeoutMs) return (Date.now() - started) / 1000;
  }
}

/** Peak and current RSS of a process, from /proc (Linux). */
function rssOf(pid: number): { peakMb: number; nowMb: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { peakMb: kb('VmHWM') / 1024, nowMb: kb('VmRSS') / 1024 };
  } catch {
    return null;
  }
}

/**
 * BENCH_SERVICE_CPU_PROF=<folder>: the API and the projector write V8 CPU profiles (node --cpu-prof) to
 * <folder>/<name>-<start ms> when stopped, one file per thread (the store's and the access audit's
 * writer threads too): Node's own file names, since one fixed name had the threads overwrite each other.
 */
const cpuProfFlags = (name: string): string[] =>
  process.env.BENCH_SERVICE_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(path.resolve(process.env.BENCH_SERVICE_CPU_PROF), `${name}-${Date.now()}`)}`]
    : [];

function startChild(file: string, env: NodeJS.ProcessEnv, silent = true, execArgv: string[] = []): ChildProcess {
  const child = fork(file, [], {
    env: { ...process.env, ...env },
    execArgv: [...process.execArgv, ...execArgv, ...cpuProfFlags(path.basename(path.dirname(path.dirname(file))))],
    stdio: silent ? ['ignore', 'ignore', 'inherit', 'ipc'] : 'inherit',
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(port: number, method: string, urlPath: string, token: string | null, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        agent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

async function waitReady(port: number, pathName: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await request(port, 'GET', pathName, null);
      if (r.status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`no answer from :${port}${pathName}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const fmt = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const fmtMs = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(1) : Math.round(x).toString()) : '–');

// ---- the workload ----

/** One session token per user, signed on first use and kept (as the web app keeps its login). */
const sessions = new Map<string, string>();
function sessionToken(role: 'unit' | 'inspector' | 'org_dept', who: string): string {
  const sub = `bench-${role}-${who}`;
  let token = sessions.get(sub);
  if (!token) {
    const name = role === 'unit' ? '支部书记' : role === 'inspector' ? '督查室' : '县委组织部';
    token = signToken({ sub, role, unitId: role === 'unit' ? who : null, name }, SECRET);
    sessions.set(sub, token);
  }
  return token;
}

/** A command of the mix: 60% progress reports by the item's unit, 40% urges by inspectors, on open items (a random one unless given). */
function nextCommand(
  county: BenchCounty,
  n: number,
  item = county.openItems[Math.floor(Math.random() * county.openItems.length)],
): { path: string; token: string; body: unknown } {
  if (n % 5 < 3) {
    return {
      path: `/api/v1/items/${item.id}/progress`,
      token: sessionToken('unit', item.unitId),
      body: { note: '本周完成两个村的整改核查，台账已更新。', evidence: [{ name: '整改台账.pdf', size: 18_432, sha256: 'a'.repeat(64) }] },
    };
  }
  return {
    path: `/api/v1/items/${item.id}/urge`,
    token: sessionToken('inspector', String(n % 200)),
    body: { level: n % 3 ? 'reminder' : 'urge', channel: '短信', note: '请于本周内报送进展' },
  };
}

interface CannonFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
}

function cannonFigures(r: autocannon.Result): CannonFigures {
  return {
    requestsPerSecond: r.requests.total / (r.duration || 1),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    seconds: r.duration,
  };
}

/**
 * The HTTP ceiling: the bare NestJS app of ceiling-server.ts hit by the same client as the commands —
 * the same request mix built per request, the same answers parsed, the same checkpoint sampler
 * beside it — so that the ratio compares the servers, not two clients.
 */
async function ceilingRun(county: BenchCounty, readModelsFile: string, overallRate?: number): Promise<CannonFigures & { cpu: CpuPerRequest }> {
  const port = await freePort();
  const child = fork(path.join(__dirname, 'ceiling-server.js'), [], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (c) => reject(new Error(`ceiling server exited ${c}`)));
    });
    const sampler = checkpointSampler(readModelsFile, 2);
    try {
      const cpu = cpuMeter({ server: child.pid! });
      const figures = await commandRun(port, county, [], overallRate);
      return { ...figures, cpu: cpu.perRequest(figures.requests) };
    } finally {
      sampler.stop();
    }
  } finally {
    await stopChild(child);
  }
}

/** The command mix at full concurrency; every answer's position and time kept for the lag figure. */
async function commandRun(port: number, county: BenchCounty, acks: { at: number; position: bigint }[], overallRate?: number): Promise<CannonFigures> {
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: sizes.connections,
    duration: sizes.seconds,
    // At a set rate: a server answering fewer requests a second batches fewer per wake-up, and pays more per request.
    ...(overallRate ? { overallRate: Math.max(1, Math.round(overallRate)) } : {}),
    requests: [
      {
        setupRequest: (req: autocannon.Request): autocannon.Request => {
          const c = nextCommand(county, n++);
          // A fresh Idempotency-Key on every command, as the web app sends.
          return {
            ...req,
            method: 'POST',
            path: c.path,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}`, 'idempotency-key': randomUUID() },
            body: JSON.stringify(c.body),
          };
        },
        onResponse: (status: number, body: string) => {
          if (status === 200) acks.push({ at: performance.now(), position: BigInt(JSON.parse(body).position) });
        },
      },
    ],
  });
  return cannonFigures(result);
}

/** Samples the read models' checkpoint every `everyMs` (a read-only connection of this process). */
function checkpointSampler(readModelsFile: string, everyMs: number) {
  const db = new Database(readModelsFile, { readonly: true, fileMustExist: true });
  const stmt = db.prepare(`SELECT position FROM rm_checkpoint WHERE name = 'read-models'`).pluck();
  const read = () => BigInt((stmt.get() as string | undefined) ?? '0');
  const samples: { at: number; checkpoint: bigint }[] = [];
  const timer = setInterval(() => samples.push({ at: performance.now(), checkpoint: read() }), everyMs);
  return {
    read,
    samples,
    stop() {
      clearInterval(timer);
      db.close();
    },
  };
}

/** Lag of each ack: the first sample at which the checkpoint had reached its position, less the ack time. */
function lagsFrom(acks: { at: number; position: bigint }[], samples: { at: number; checkpoint: bigint }[]): number[] {
  const lags: number[] = [];
  for (const a of acks) {
    let lo = 0;
    let hi = samples.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (samples[mid].checkpoint >= a.position) hi = mid;
      else lo = mid + 1;
    }
    if (lo < samples.length) lags.push(Math.max(0, samples[lo].at - a.at));
  }
  return lags;
}

/**
 * BENCH_SERVICE_WARM_FOLDS=1: one command on every open item before anything is timed, so that the API's
 * fold cache (LEDGER_COMMAND_CACHE_STREAMS) holds them all, as it does in an API that has run a while;
 * otherwise most commands of a 15 s run are the first on their item since the start and read the whole stream.
 */
const warmFolds = process.env.BENCH_SERVICE_WARM_FOLDS === '1';
async function commandOnEveryItem(port: number, county: BenchCounty, clients: number): Promise<number> {
  let next = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < county.openItems.length) {
        const i = next++;
        const c = nextCommand(county, i, county.openItems[i]);
        if ((await request(port, 'POST', c.path, c.token, c.body)).status !== 200) failures++;
      }
    }),
  );
  return failures;
}

/** Closed-loop clients, one command in flight each: after the ack, poll the checkpoint until it has the position. */
async function lagRun(port: number, county: BenchCounty, readModelsFile: string, clients: number, total: number): Promise<number[]> {
  const db = new Database(readModelsFile, { readonly: true, fileMustExist: true });
  const stmt = db.prepare(`SELECT position FROM rm_checkpoint WHERE name = 'read-models'`).pluck();
  const lags: number[] = [];
  let n = 0;
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (n < total) {
          const c = nextCommand(county, n++);
          const r = await request(port, 'POST', c.path, c.token, c.body);
          const acked = performance.now();
          if (r.status !== 200) continue;
          const position = BigInt(JSON.parse(r.body).position);
          while (BigInt((stmt.get() as string | undefined) ?? '0') < position) await new Promise((res) => setTimeout(res, 1));
          lags.push(performance.now() - acked);
        }
      }),
    );
  } finally {
    db.close();
  }
  return lags;
}

async function latencies(
  port: number,
  samples: number,
  next: (i: number) => { path: string; token: string },
): Promise<{ p50: number; p95: number; p99: number; failures: number }> {
  const times: number[] = [];
  let failures = 0;
  for (let i = -Math.min(20, samples); i < samples; i++) {
    const q = next(i < 0 ? -i : i);
    const started = performance.now();
    const r = await request(port, 'GET', q.path, q.token);
    const ms = performance.now() - started;
    if (r.status !== 200) failures++;
    if (i >= 0) times.push(ms);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), failures };
}

async function queryRuns(port: number, county: BenchCounty) {
  const org = sessionToken('org_dept', 'county');
  const pick = <T>(xs: T[], i: number) => xs[(i * 7919) % xs.length];
  const today = new Date(Date.now() + 8 * 3_600_000);
  const date = (days: number) => new Date(today.getTime() + days * 86_400_000).toISOString().slice(0, 10);
  const n = sizes.querySamples;
  const trivial = await latencies(port, n, (i) => ({ path: `/api/v1/items/${pick(county.openItems, i).id}`, token: org }));
  const children = await latencies(port, n, (i) => ({
    path: `/api/v1/units/${i % 4 === 0 ? county.countyId : pick(county.townships, i)}/children/outstanding`,
    token: org,
  }));
  const itemLists: { name: string; path: (i: number) => string; token: (i: number) => string }[] = [
    { name: 'status=in_progress&sort=dueDate', path: () => '/api/v1/items?status=in_progress&sort=dueDate', token: () => org },
    {
      name: 'unitId=<township>&light=red&sort=-updatedAt',
      path: (i) => `/api/v1/items?unitId=${pick(county.townships, i)}&subtree=true&light=red&sort=-updatedAt`,
      token: () => org,
    },
    {
      name: 'sheetId=…&status=assigned,in_progress&page=2',
      path: (i) => `/api/v1/items?sheetId=${pick(county.sheets, i)}&status=assigned,in_progress&sort=dueDate&page=2`,
      token: () => org,
    },
    {
      name: 'dueFrom…dueTo (a week)&sort=dueDate&pageSize=50',
      path: (i) => `/api/v1/items?dueFrom=${date(i % 30)}&dueTo=${date((i % 30) + 7)}&sort=dueDate&pageSize=50`,
      token: () => org,
    },
    {
      name: 'unit user, own subtree, sort=-updatedAt',
      path: () => '/api/v1/items?sort=-updatedAt',
      token: (i) => sessionToken('unit', pick(county.townships, i)),
    },
    { name: 'cadreId=…&sort=dueDate', path: (i) => `/api/v1/items?cadreId=${pick(county.cadres, i)}&sort=dueDate`, token: () => org },
  ];
  const lists: Record<string, Awaited<ReturnType<typeof latencies>>> = {};
  for (const l of itemLists) lists[l.name] = await latencies(port, n, (i) => ({ path: l.path(i), token: l.token(i) }));
  return { trivial, children, lists };
}

// ---- the ceilings without HTTP ----

/** Plain better-sqlite3: 100 rows per transaction into an events-like table, NORMAL (the read models' durability). */
async function insertCeiling(dir: string, rows: number): Promise<number> {
  const db = new Database(path.join(dir, 'ceiling.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536');
  db.exec(SQLITE_EVENTS_SCHEMA);
  const insert = db.prepare('INSERT INTO events (id, stream, revision, type, schema_version, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const data = JSON.stringify({ itemId: 'I000001', note: '已召开专题会议，制定整改方案，正在逐项推进。', evidence: [] });
  const metadata = JSON.stringify({
    actor: { userId: 'bench-U0001', role: 'unit', unitId: 'U0001', name: '支部书记' },
    correlationId: 'c',
    causationId: 'c',
    recordedAt: '2026-03-01T09:00:00.000Z',
  });
  const encoded = Array.from(
    { length: rows },
    (_, i) => [`e${i}`, `item-I${i % 100_000}`, Math.floor(i / 100_000), 'ProgressReported', 1, data, metadata, '2026-03-01T09:00:00.000Z'] as const,
  );
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const rate = await measure(rows, () => {
    for (let i = 0; i < rows; i += 100) {
      begin.run();
      for (let j = i; j < Math.min(rows, i + 100); j++) insert.run(...encoded[j]);
      commit.run();
    }
  });
  db.close();
  return rate.perSecond;
}

async function rebuildRun(dataDir: string): Promise<{ events: number; seconds: number; currentSeconds: number; temporalSeconds: number; maxRssMb: number }> {
  const child = fork(path.join(__dirname, 'rebuild-child.js'), [], {
    env: { ...process.env, LEDGER_DATA_DIR: dataDir, LEDGER_JWT_SECRET: SECRET },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as { events: number; seconds: number; currentSeconds: number; temporalSeconds: number; maxRssMb: number }));
    child.once('exit', (c) => c !== 0 && reject(new Error(`rebuild exited ${c}`)));
  });
}

// ---- the module ----

async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const m = machine();
  const tmp = tempDir('ledger-bench-service-');
  const dataDir = path.join(tmp.dir, 'data');
  const children: ChildProcess[] = [];
  const log = (s: string) => console.log(`  ${new Date().toISOString().slice(11, 19)} ${s}`);
  try {
    let lastLog = Date.now();
    let county: BenchCounty;
    const seedStarted = Date.now();
    if (generator === 'scale') {
      log(`generating ~${sizes.events} events with the scale generator (generateCounty, through the command path)`);
      const r = await generateCounty({
        dataDir,
        targetEvents: sizes.events,
        seed: 7,
        project: false,
        env: { LEDGER_JWT_SECRET: SECRET },
        onProgress: (p) => {
          if (Date.now() - lastLog > 20_000) {
            lastLog = Date.now();
            log(`  ${p.events} events`);
          }
        },
      });
      county = { units: [], villages: [], townships: [], countyId: '', openItems: [], sheets: [], cadres: [], events: r.events };
    } else {
      log(`seeding ${sizes.units} units, ${sizes.items} items, ~${sizes.events} events straight into the store`);
      const seedStore = await openSqliteEventStore({ file: path.join(dataDir, 'events.sqlite'), synchronous: 'NORMAL' });
      county = await generateBenchCounty(seedStore, {
        units: sizes.units,
        items: sizes.items,
        targetEvents: sizes.events,
        onProgress: (e) => {
          if (Date.now() - lastLog > 10_000) {
            lastLog = Date.now();
            log(`  ${e} events`);
          }
        },
      });
      // Through the API a ledger is sealed every 1,000 events; this generator bypasses the API's sealer, so it seals once at its end.
      const sealer = new LedgerSealer(seedStore, loadOrCreateSealKey(integrityConfig({ dataDir }, {}).sealKeyFile), { every: 0 });
      await sealer.seal();
      await sealer.stop();
      await seedStore.close();
    }
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    log(`generated ${county.events} events in ${seedSeconds.toFixed(0)} s`);

    const insertCeilingRate = await insertCeiling(tmp.dir, sizes.ceilingRows);
    log(`insert ceiling ${Math.round(insertCeilingRate)} rows/s`);
    const rebuild = await rebuildRun(dataDir);
    if (generator === 'scale') county = countyFromReadModels(path.join(dataDir, 'read-models.sqlite'), county.events);
    const items = itemCount(path.join(dataDir, 'read-models.sqlite'));
    log(`${county.units.length} live units, ${items} items, ${county.openItems.length} open`);
    const rebuildRate = rebuild.events / rebuild.seconds;
    log(`rebuild ${rebuild.events} events in ${rebuild.seconds.toFixed(1)} s (${Math.round(rebuildRate)}/s), peak RSS ${Math.round(rebuild.maxRssMb)} MB`);

    const port = await freePort();
    const env = { LEDGER_DATA_DIR: dataDir, LEDGER_JWT_SECRET: SECRET, PORT: String(port) };
    const projector = startChild(PROJECTOR_MAIN, env);
    children.push(projector);
    // As `ledger start` launches it: with its heap bound (LEDGER_API_HEAP_MB).
    const api = startChild(API_MAIN, env, true, apiNodeFlags(loadConfig({ ...process.env, ...env })));
    children.push(api);
    await waitReady(port, '/health/ready', 300_000);
    const settleSeconds = await quiet([api.pid!, projector.pid!], 600_000);
    // The API's resident memory (now / peak so far) after each phase: which one set the peak.
    // With the V8 heap in use and the memory outside it (Buffers, SQLite), from the API's /metrics.
    const apiMemory = async () => {
      const r = rssOf(api.pid!);
      if (!r) return '';
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`)
        .then((res) => res.text())
        .catch(() => '');
      const mb = (name: string) => Math.round(Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN) / 1048576);
      return `; API RSS ${Math.round(r.nowMb)} MB, peak ${Math.round(r.peakMb)} MB, V8 heap used ${mb('nodejs_heap_size_used_bytes')} MB of ${mb('nodejs_heap_size_total_bytes')}, external ${mb('nodejs_external_memory_bytes')} MB`;
    };
    log(`API and projector up and quiet after ${Math.round(settleSeconds)} s${await apiMemory()}`);
    const readModelsFile = path.join(dataDir, 'read-models.sqlite');

    // Warm up the API's code paths before timing.
    await lagRun(port, county, readModelsFile, 4, 200);
    if (warmFolds) {
      const failures = await commandOnEveryItem(port, county, 16);
      await quiet([api.pid!, projector.pid!], 600_000);
      log(`a command on each of the ${county.openItems.length} open items (fold cache warm), ${failures} not 200${await apiMemory()}`);
    }

    const ceilingBefore = await ceilingRun(county, readModelsFile);
    log(`HTTP ceiling ${Math.round(ceilingBefore.requestsPerSecond)}/s`);
    const acks: { at: number; position: bigint }[] = [];
    const sampler = checkpointSampler(readModelsFile, 2);
    const commandsCpu = cpuMeter({ api: api.pid!, projector: projector.pid! });
    const commands = await commandRun(port, county, acks);
    // Let the projector finish what the run appended, still sampling.
    const head = acks.reduce((a, b) => (b.position > a ? b.position : a), 0n);
    const deadline = Date.now() + 60_000;
    while (sampler.read() < head && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sampler.stop();
    // Counted until the projector has caught up: its work for the run's commands, done during it or after.
    const cpu = commandsCpu.perRequest(commands.requests);
    const loadLags = lagsFrom(acks, sampler.samples);
    log(`commands ${Math.round(commands.requestsPerSecond)}/s (non-2xx ${commands.non2xx}, errors ${commands.errors})${await apiMemory()}`);
    const ceilingAfter = await ceilingRun(county, readModelsFile);
    log(`HTTP ceiling again ${Math.round(ceilingAfter.requestsPerSecond)}/s`);
    const ceiling = (ceilingBefore.requestsPerSecond + ceilingAfter.requestsPerSecond) / 2;
    const ceilingCpu = { server: (ceilingBefore.cpu.server + ceilingAfter.cpu.server) / 2, client: (ceilingBefore.cpu.client + ceilingAfter.cpu.client) / 2 };
    // The same bare endpoint held to the commands' rate: its CPU per request where the API ran.
    const ceilingAtRate = await ceilingRun(county, readModelsFile, commands.requestsPerSecond);
    log(`HTTP ceiling at the commands' rate ${Math.round(ceilingAtRate.requestsPerSecond)}/s, ${ceilingAtRate.cpu.server.toFixed(2)} ms CPU/request`);
    // What the cores would carry per second if the API cost what the bare endpoint costs, the projector and this client staying as they are.
    const freeApiBound = (m.cores * 1000) / (ceilingCpu.server + cpu.projector + cpu.client);

    const lags = await lagRun(port, county, readModelsFile, 4, sizes.lagCommands);
    log(`lag p50 ${percentile(lags, 50).toFixed(1)} ms, p99 ${percentile(lags, 99).toFixed(1)} ms`);
    const queries = await queryRuns(port, county);
    log(`queries: trivial p95 ${queries.trivial.p95.toFixed(1)} ms, children p95 ${queries.children.p95.toFixed(1)} ms${await apiMemory()}`);

    const apiRss = rssOf(api.pid!);
    const projectorRss = rssOf(projector.pid!);
    for (const c of children) await stopChild(c);

    const listWorstP95 = Math.max(...Object.values(queries.lists).map((l) => l.p95));
    const queryBound = Math.min(20, 4 * queries.trivial.p95);
    const figures = {
      sizes,
      generator,
      warmFolds,
      seedSeconds,
      events: county.events,
      county: {
        units: county.units.length,
        items,
        openItems: county.openItems.length,
        townships: county.townships.length,
        cadres: county.cadres.length,
        sheets: county.sheets.length,
      },
      apiSettleSeconds: settleSeconds,
      projectorRuns: 'a separate process (dist/apps/projector/src/main.js), as `ledger start` runs it',
      commands: { ...commands, mix: '60% POST /items/:id/progress (unit user of the item), 40% POST /items/:id/urge (inspector)' },
      httpCeiling: { requestsPerSecond: ceiling, before: ceilingBefore, after: ceilingAfter, atCommandRate: ceilingAtRate },
      commandsRatio: commands.requestsPerSecond / ceiling,
      cpuMsPerCommand: {
        ...cpu,
        ceilingServer: ceilingCpu.server,
        ceilingClient: ceilingCpu.client,
        apiPerCeiling: cpu.api / ceilingCpu.server,
        ceilingServerAtCommandRate: ceilingAtRate.cpu.server,
        apiPerCeilingAtCommandRate: cpu.api / ceilingAtRate.cpu.server,
        freeApiBound,
        freeApiBoundRatio: freeApiBound / ceiling,
      },
      rebuild: {
        eventsPerSecond: rebuildRate,
        ...rebuild,
        insertCeilingRowsPerSecond: insertCeilingRate,
        ratio: rebuildRate / insertCeilingRate,
        currentStateRatio: rebuild.events / rebuild.currentSeconds / insertCeilingRate,
        temporalRatio: rebuild.events / rebuild.temporalSeconds / insertCeilingRate,
      },
      queries: { ...queries, listWorstP95, boundMs: queryBound },
      lag: {
        closedLoop: { clients: 4, commands: lags.length, p50Ms: percentile(lags, 50), p99Ms: percentile(lags, 99), maxMs: Math.max(...lags) },
        underFullLoad: { commands: loadLags.length, samplingMs: 2, p50Ms: percentile(loadLags, 50), p99Ms: percentile(loadLags, 99) },
      },
      memory: { api: apiRss, projector: projectorRss, rebuildProcessPeakMb: rebuild.maxRssMb },
    };
    const ok = (b: boolean) => (b ? '✓' : '✗');
    const commandRatio = figures.commandsRatio;
    const currentRatio = figures.rebuild.currentStateRatio;
    const lagP99 = figures.lag.closedLoop.p99Ms;
    const md = `## Service: the API and the projector over HTTP

Run ${startedAt} on ${describeMachine(m)}. ${quick ? '**Quick run (BENCH_QUICK=1).** ' : ''}Ledger: ${fmt(county.events)} events, ${fmt(county.units.length)} live units, ${fmt(items)} items (${fmt(county.openItems.length)} open), ${generator === 'scale' ? 'generated by the scale generator (`generateCounty`, through the command path)' : 'generated straight into the store (bench/service/county.ts)'} in ${Math.round(seedSeconds)} s. The API (\`dist/apps/api/src/main.js\`: createApp, durable FULL event store) and the projector (\`dist/apps/projector/src/main.js\`) run as two processes, as \`ledger start\` runs them; ${warmFolds ? `before timing, one command went to each of the ${fmt(county.openItems.length)} open items (BENCH_SERVICE_WARM_FOLDS=1), so the API's fold cache holds every stream the commands touch, as in an API that has run a while; ` : ''}autocannon drives the API from the bench process with ${sizes.connections} connections for ${sizes.seconds} s per run: 60% progress reports by the item's unit user, 40% urges by inspectors, on open items, each user with a session token of its own (signed on first use and kept, as the web app keeps its login) and every request with a fresh Idempotency-Key (as the web app sends). The HTTP ceiling is a bare NestJS 11 app with the two POST routes answering a constant, hit by the same client (the same requests built per request, answers parsed, the 2 ms checkpoint sampler beside it) just before and just after the command run (mean of the two).

| figure | ours | ceiling | ceiling is | ratio | target |
|---|---:|---:|---|---:|---|
| commands through HTTP (requests/s) | ${fmt(commands.requestsPerSecond)} | ${fmt(ceiling)} | bare NestJS, constant answer | **${round(commandRatio)}** | ≥ 0.6 ${ok(commandRatio >= 0.6)} |
| command latency p50 / p99 (ms) | ${fmtMs(commands.p50Ms)} / ${fmtMs(commands.p99Ms)} | ${fmtMs(ceilingBefore.p50Ms)} / ${fmtMs(ceilingBefore.p99Ms)} | | | |
| projector rebuild at ${fmt(rebuild.events)} events, the read models this issue names (item views, unit and cadre figures, register, tree, cadres): the current-state pass (events/s) | ${fmt(rebuild.events / rebuild.currentSeconds)} | ${fmt(insertCeilingRate)} | plain better-sqlite3 insert, 100 rows per transaction | **${round(currentRatio)}** | ≥ 0.5 ${ok(currentRatio >= 0.5)} |
| … the temporal (as-of) read models of the inspectors' issue, their own pass (events/s) | ${fmt(rebuild.events / rebuild.temporalSeconds)} | ${fmt(insertCeilingRate)} | the same insert ceiling | **${round(figures.rebuild.temporalRatio)}** | (informative) |
| … the whole \`ledger rebuild\`, both passes (events/s) | ${fmt(rebuildRate)} | ${fmt(insertCeilingRate)} | the same insert ceiling | **${round(figures.rebuild.ratio)}** | (informative; see below) |
| \`/units/:id/children/outstanding\` p95 (ms) | ${fmtMs(queries.children.p95)} | ${fmtMs(queries.trivial.p95)} | trivial authenticated GET (\`/items/:id\`) p95 | **${round(queries.children.p95 / queries.trivial.p95)}×** | ≤ 20 ms and ≤ 4× ${ok(queries.children.p95 <= queryBound)} |
${Object.entries(queries.lists)
  .map(
    ([name, l]) =>
      `| \`/items?${name}\` p95 (ms) | ${fmtMs(l.p95)} | ${fmtMs(queries.trivial.p95)} | the same trivial GET | **${round(l.p95 / queries.trivial.p95)}×** | ≤ 20 ms and ≤ 4× ${ok(l.p95 <= queryBound)} |`,
  )
  .join('\n')}
| lag, command acknowledged → checkpoint at its position, p50 / p99 (ms) | ${fmtMs(figures.lag.closedLoop.p50Ms)} / ${fmtMs(lagP99)} | | | | p99 ≤ 50 ${ok(lagP99 <= 50)} |
| the same lag under the full command load, p50 / p99 (ms) | ${fmtMs(figures.lag.underFullLoad.p50Ms)} / ${fmtMs(figures.lag.underFullLoad.p99Ms)} | | | | (informative) |
| peak RSS, API process (MB) | ${fmt(apiRss?.peakMb ?? NaN)} | | | | ≤ 300 ${ok((apiRss?.peakMb ?? Infinity) <= 300)} |
| peak RSS, projector process (MB) | ${fmt(projectorRss?.peakMb ?? NaN)} | | | | ≤ 300 ${ok((projectorRss?.peakMb ?? Infinity) <= 300)} |
| peak RSS, rebuild process (MB) | ${fmt(rebuild.maxRssMb)} | | | | ≤ 300 ${ok(rebuild.maxRssMb <= 300)} |

- CPU per command (ms, from /proc, the projector's counted until it had caught up with the run): API ${cpu.api.toFixed(2)}, projector ${cpu.projector.toFixed(2)}, client ${cpu.client.toFixed(2)}; per ceiling request: bare server ${ceilingCpu.server.toFixed(2)}, client ${ceilingCpu.client.toFixed(2)}. **API ÷ bare endpoint: ${round(cpu.api / ceilingCpu.server, 1)}×** (target ≤ 3× ${ok(cpu.api / ceilingCpu.server <= 3)}); the bare endpoint held to the commands' rate (${fmt(ceilingAtRate.requestsPerSecond)}/s) took ${ceilingAtRate.cpu.server.toFixed(2)} ms per request (API ÷ that: ${round(cpu.api / ceilingAtRate.cpu.server, 1)}×). The ${m.cores} cores are shared by all of them: with an API as cheap as the bare endpoint, the projector and this client as they are, they would carry about ${fmt(freeApiBound)} commands/s, ${round(freeApiBound / ceiling)} of the ceiling.
- Commands: ${fmt(commands.requests)} answered, non-2xx ${commands.non2xx}, errors/timeouts ${commands.errors}. HTTP ceiling runs: ${fmt(ceilingBefore.requestsPerSecond)} and ${fmt(ceilingAfter.requestsPerSecond)} requests/s.
- Query latencies are one client, sequential, ${sizes.querySamples} requests each after a warm-up, varied ids; p50 of the trivial GET ${fmtMs(queries.trivial.p50)} ms, of children ${fmtMs(queries.children.p50)} ms. Failures: ${[queries.trivial, queries.children, ...Object.values(queries.lists)].reduce((a, q) => a + q.failures, 0)}.
- Lag: 4 closed-loop clients (one command in flight each, ${fmt(figures.lag.closedLoop.commands)} commands), each polling the read models' checkpoint every 1 ms after its ack. Under full load it is read from a 2 ms checkpoint sampler against every ack of the throughput run. The projector sees another process's commit through a watcher on the store's WAL file (SQLite's data_version polled every 25 ms as the fallback).
- After the start the bench waited ${Math.round(settleSeconds)} s for the API and the projector to fall quiet (the API's sealer resumes from the newest seal: the direct generator seals once at its end, as the API would have every 1,000 events) before timing anything.
- Rebuild: \`ledger rebuild\` runs the current-state pass first (after it the ordinary queries answer), then the temporal pass that the \`asOf\` answers need. The temporal read models keep every version of every item, unit and cadre with its position range, the counters as of every position and the instant marks: about 3.4 rows per event against the insert ceiling's one, so the whole rebuild cannot reach half the rate of plain one-row inserts; the issue's 0.5 is held against the read models it names.
- Peak RSS is VmHWM from /proc at the end of the run (the API and projector after every phase above; the rebuild process at its end).
`;
    return { name: 'service', title: 'Service', startedAt, machine: m, figures, markdown: md };
  } finally {
    for (const c of children) await stopChild(c).catch(() => undefined);
    agent.destroy();
    tmp.remove();
  }
}

export const serviceBench: BenchModule = { name: 'service', run };
