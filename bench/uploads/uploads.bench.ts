import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { apiNodeFlags, loadConfig, signToken } from '@ledger/platform';
import { BIG_HEADER, bigCounty, bigRow } from '@ledger/sheets-io/testing/big-sheet';
import { cellBombXlsx, csvLinesBomb, zipBombXlsx } from '@ledger/sheets-io/testing/bombs';
import { workbookBytes } from '@ledger/sheets-io/testing/fixtures';
import { describeMachine, machine } from '../lib/machine';
import { size, tempDir } from '../lib/measure';
import type { BenchModule, BenchReport } from '../lib/report';

/*
 * Uploads that expand far beyond their size, the heaviest legitimate import, and two
 * concurrent exports of 43,000 items, against the built API (dist/apps/api/src/main.js) launched as
 * `ledger start` launches it, with its heap bound (LEDGER_API_HEAP_MB, 512 by default), and the
 * projector beside it. Each phase resets the API's peak RSS (/proc/<pid>/clear_refs) and reads its
 * peak heap from the API's own --trace-gc lines.
 */

const SECRET = 'bench-uploads-secret-0123456789abcdef';
const DIST = path.resolve(__dirname, '..', '..');
const API_MAIN = path.join(DIST, 'apps', 'api', 'src', 'main.js');
const PROJECTOR_MAIN = path.join(DIST, 'apps', 'projector', 'src', 'main.js');

const sizes = {
  firstSheetRows: size('BENCH_UPLOADS_FIRST_ROWS', 10_000, 2_000),
  items: size('BENCH_UPLOADS_ITEMS', 43_000, 6_000),
};

interface Answer {
  status: number;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
  /** When the status line and headers came (the file is built by then), from the request's start. */
  headersSeconds: number;
}

function send(port: number, method: string, urlPath: string, token: string | null, body?: { type: string; bytes: Buffer }): Promise<Answer> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': body.type, 'content-length': body.bytes.length } : {}),
        },
      },
      (res) => {
        const headersSeconds = Number(process.hrtime.bigint() - started) / 1e9;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers, headersSeconds }));
      },
    );
    req.on('error', reject);
    if (body) req.write(body.bytes);
    req.end();
  });
}

const json = (port: number, urlPath: string, token: string, value: unknown) =>
  send(port, 'POST', urlPath, token, { type: 'application/json', bytes: Buffer.from(JSON.stringify(value)) });

function multipart(fields: Record<string, string>, file: Buffer, fileName: string): { type: string; bytes: Buffer } {
  const boundary = `----ledger-bench-${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`, 'utf8'));
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      'utf8',
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { type: `multipart/form-data; boundary=${boundary}`, bytes: Buffer.concat(parts) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      /* not answering yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function status(pid: number): { peakRssMb: number; rssMb: number } {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN);
  return { peakRssMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

interface PhaseFigures {
  phase: string;
  seconds: number;
  /** The kernel's high-water mark of the API's RSS during the phase (reset at its start). */
  peakRssMb: number;
  /** V8 heap in use when the phase's fullest collection started (--trace-gc). */
  peakHeapMb: number;
  /** V8 heap committed (reserved from the OS) at its largest. */
  peakHeapCommittedMb: number;
  collections: number;
  outcome: string;
}

async function phase(pid: number, name: string, work: () => Promise<string>): Promise<PhaseFigures> {
  // Writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS.
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  gc!.reset();
  const started = process.hrtime.bigint();
  const outcome = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const heap = gc!.peak();
  const figures = {
    phase: name,
    seconds,
    peakRssMb: status(pid).peakRssMb,
    peakHeapMb: heap.usedMb,
    peakHeapCommittedMb: heap.committedMb,
    collections: heap.collections,
    outcome,
  };
  console.log(
    `  ${name}: ${outcome}, ${seconds.toFixed(1)} s, peak RSS ${figures.peakRssMb.toFixed(0)} MB, heap ${figures.peakHeapMb.toFixed(0)} MB in use, ${figures.peakHeapCommittedMb.toFixed(0)} MB committed (${heap.collections} collections)`,
  );
  return figures;
}

function startChild(file: string, env: NodeJS.ProcessEnv, execArgv: string[] = [], stdout: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  return fork(file, [], { env: { ...process.env, ...env }, execArgv, stdio: ['ignore', stdout, 'inherit', 'ipc'] });
}

/**
 * The API's heap from its own --trace-gc lines ("Scavenge 41.2 (52.0) -> 30.1 (53.0) MB"): the heap in
 * use when a collection starts is where it peaks, so the largest such figure since the last reset is
 * the phase's peak heap, however busy the event loop was.
 */
function gcTracker(child: ChildProcess): { reset(): void; peak(): { usedMb: number; committedMb: number; collections: number } } {
  let used = 0;
  let committed = 0;
  let collections = 0;
  let rest = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (text: string) => {
    const lines = (rest + text).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const m = /(?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Sweep)[^0-9]*([0-9.]+) \(([0-9.]+)\) ->/.exec(line);
      if (!m) continue;
      collections++;
      used = Math.max(used, Number(m[1]));
      committed = Math.max(committed, Number(m[2]));
    }
  });
  return {
    reset: () => ((used = 0), (committed = 0), (collections = 0)),
    peak: () => ({ usedMb: used, committedMb: committed, collections }),
  };
}

let gc: ReturnType<typeof gcTracker> | null = null;

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A 交办单 of `rows` rows valid against bigCounty(), due in 2027 (the API judges dates by the real clock). */
async function sheet(rows: number, first: number): Promise<Buffer> {
  const lookup = bigCounty();
  return workbookBytes((ws) => {
    ws.addRow(['湟源县基层党建重点任务交办单']);
    ws.addRow(BIG_HEADER);
    for (let i = first; i < first + rows; i++) {
      const r = bigRow(lookup, i);
      ws.addRow([r[0], r[1], r[2], r[3], r[4], new Date(Date.UTC(2027, i % 12, 1 + (i % 28))), r[6]]);
    }
  });
}

async function run(): Promise<BenchReport> {
  const m = machine();
  const startedAt = new Date().toISOString();
  const tmp = tempDir('ledger-bench-uploads-');
  const children: ChildProcess[] = [];
  try {
    const port = await freePort();
    const env = { LEDGER_DATA_DIR: tmp.dir, LEDGER_JWT_SECRET: SECRET, PORT: String(port) };
    const config = loadConfig({ ...process.env, ...env });
    const projector = startChild(PROJECTOR_MAIN, env);
    children.push(projector);
    const api = startChild(API_MAIN, env, [...apiNodeFlags(config), '--trace-gc'], 'pipe');
    children.push(api);
    gc = gcTracker(api);
    await waitFor(async () => (await send(port, 'GET', '/health/ready', null)).status === 200, 120_000, 'the API');
    const token = (role: 'admin' | 'org_dept') => signToken({ sub: `bench-${role}`, role, unitId: null, name: '基准测试' }, SECRET);
    const admin = token('admin');
    const org = token('org_dept');

    const county = bigCounty();
    const post = async (route: string, body: object) => {
      const r = await json(port, `/api/v1${route}`, admin, body);
      if (r.status !== 201) throw new Error(`${route} → ${r.status} ${r.body.toString('utf8')}`);
    };
    await post('/units', { id: 'u-county', name: county.units[0].name, kind: 'county_committee' });
    for (const u of county.units.slice(1)) {
      const parentId = /^u-t\d+$/.test(u.id) ? 'u-county' : u.id.replace(/-v\d+$/, '');
      await post('/units', { id: u.id, name: u.name, kind: parentId === 'u-county' ? 'township_committee' : 'branch', parentId });
    }
    for (const c of county.cadres) await post('/cadres', { id: c.id, name: c.name, unitId: c.unitId, post: '书记' });
    console.log(`  county registered: ${county.units.length} units, ${county.cadres.length} cadres`);

    let sheetNo = 0;
    const importFile = async (file: Buffer, fileName: string) => {
      sheetNo++;
      const r = await send(
        port,
        'POST',
        '/api/v1/sheets/import',
        org,
        multipart({ number: `湟组交〔2027〕${sheetNo}号`, title: '基层党建重点任务', issuedOn: '2026-12-01' }, file, fileName),
      );
      const body = JSON.parse(r.body.toString('utf8')) as { code?: string; limit?: string; itemCount?: number; position?: string };
      return { status: r.status, body };
    };
    const refusal = (file: Buffer, fileName: string) => async () => {
      const r = await importFile(file, fileName);
      return `${r.status} ${r.body.code ?? ''} ${r.body.limit ?? ''}`.trim();
    };

    const phases: PhaseFigures[] = [];
    const files = {
      csv: csvLinesBomb(5_000_000),
      cells: await cellBombXlsx(300_000, 10),
      bomb: await zipBombXlsx({ megabytes: 200 }),
      lying: await zipBombXlsx({ megabytes: 200, lie: true }),
    };
    const mb = (b: Buffer) => `${(b.length / 2 ** 20).toFixed(1)} MB`;
    phases.push(await phase(api.pid!, `CSV of 5,000,000 lines (${mb(files.csv)})`, refusal(files.csv, 'bomb.csv')));
    phases.push(await phase(api.pid!, `.xlsx of 3,000,000 cells (${mb(files.cells)})`, refusal(files.cells, 'cells.xlsx')));
    phases.push(await phase(api.pid!, `zip bomb, a 200 MB sheet (${(files.bomb.length / 1024).toFixed(0)} KB)`, refusal(files.bomb, 'bomb.xlsx')));
    phases.push(await phase(api.pid!, `zip bomb declaring 4 KB (${(files.lying.length / 1024).toFixed(0)} KB)`, refusal(files.lying, 'lying.xlsx')));

    // The heaviest import the limits let through: 10,000 rows, every one written.
    const first = await sheet(sizes.firstSheetRows, 0);
    let position = '0';
    phases.push(
      await phase(api.pid!, `${sizes.firstSheetRows.toLocaleString('en-US')}-row .xlsx imported (${mb(first)})`, async () => {
        const r = await importFile(first, 'first.xlsx');
        position = r.body.position ?? position;
        return `${r.status} ${r.body.itemCount ?? r.body.code} items`;
      }),
    );
    // The rest of the 43,000 items, in sheets of at most 10,000 rows.
    const projected = () =>
      waitFor(async () => (await send(port, 'GET', `/api/v1/items?pageSize=1&minPosition=${position}`, org)).status === 200, 300_000, 'the projector');
    let made = sizes.firstSheetRows;
    while (made < sizes.items) {
      // An import first waits (5 s at most) for the read models to include the store's head.
      await projected();
      const rows = Math.min(10_000, sizes.items - made);
      const r = await importFile(await sheet(rows, made), `more-${made}.xlsx`);
      if (r.status !== 201) throw new Error(`import → ${r.status} ${JSON.stringify(r.body)}`);
      position = r.body.position!;
      made += rows;
    }
    await projected();
    const total = JSON.parse((await send(port, 'GET', `/api/v1/items?pageSize=1&minPosition=${position}`, org)).body.toString('utf8')).total as number;
    console.log(`  ${total} items listed`);

    const exportOne = async (format: 'xlsx' | 'csv') => {
      const started = process.hrtime.bigint();
      const r = await send(port, 'GET', `/api/v1/items?format=${format}`, org);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rows = format === 'csv' ? r.body.toString('utf8').split('\r\n').length - 2 : NaN;
      return { format, status: r.status, bytes: r.body.length, seconds, headersSeconds: r.headersSeconds, rows };
    };
    phases.push(await phase(api.pid!, `one export of ${total.toLocaleString('en-US')} items, xlsx`, async () => `${(await exportOne('xlsx')).status}`));
    phases.push(
      await phase(api.pid!, `one export of ${total.toLocaleString('en-US')} items, csv`, async () => {
        const r = await exportOne('csv');
        return `${r.status}, ${r.rows} rows`;
      }),
    );
    const pair: { format: string; status: number; seconds: number; headersSeconds: number; rows: number }[] = [];
    phases.push(
      await phase(api.pid!, `two concurrent exports of ${total.toLocaleString('en-US')} items (xlsx + csv)`, async () => {
        pair.push(...(await Promise.all([exportOne('xlsx'), exportOne('csv')])));
        return pair.map((p) => `${p.format} ${p.status}, headers at ${p.headersSeconds.toFixed(1)} s, done at ${p.seconds.toFixed(1)} s`).join('; ');
      }),
    );
    const apiAlive = api.exitCode === null && api.signalCode === null;
    for (const c of children) await stopChild(c);

    const heapBound = config.apiHeapMb;
    const worstRss = Math.max(...phases.map((p) => p.peakRssMb));
    const worstHeap = Math.max(...phases.map((p) => p.peakHeapMb));
    const rows = phases
      .map((p) =>
        p.collections === 0
          ? `| ${p.phase} | ${p.outcome} | ${p.seconds.toFixed(2)} | ${Math.round(p.peakRssMb)} | no collection | |`
          : `| ${p.phase} | ${p.outcome} | ${p.seconds.toFixed(2)} | ${Math.round(p.peakRssMb)} | ${Math.round(p.peakHeapMb)} | ${Math.round(p.peakHeapCommittedMb)} |`,
      )
      .join('\n');
    const markdown = `## Uploads and exports within the API's heap bound (uploads)

Run ${startedAt} on ${describeMachine(m)}.
The built API (\`dist/apps/api/src/main.js\`, \`${apiNodeFlags(config).join(' ')}\` as \`ledger start\` passes them, LEDGER_API_HEAP_MB=${heapBound}) and projector on an embedded SQLite data folder; each phase resets the API's peak RSS (\`/proc/<pid>/clear_refs\`); its peak heap is read from the API's own \`--trace-gc\` lines (the heap in use as the fullest collection of the phase started, and the most V8 had committed).

| phase | answer | s | peak RSS MB | peak heap in use MB | peak heap committed MB |
|---|---|---:|---:|---:|---:|
${rows}

- Heap bound ${heapBound} MB: largest heap in use ${Math.round(worstHeap)} MB ${worstHeap < heapBound ? '✓' : '✗'}; largest peak RSS ${Math.round(worstRss)} MB; the API ${apiAlive ? 'answered every phase and was still running at the end' : 'DIED during the run'}.
- The attacks are refused by the import's limits (libs/sheets-io/src/import/limits.ts) before they are read whole; before them the CSV and the .xlsx ran this API out of memory in 8–29 s and the zip bomb took 11.5 s and 1.38 GB before its 400 (issue 15).
- Exports and imports take turns (apps/api/src/exports/work-gate.ts; its spec shows the order): the concurrent pair peaks at the heap of one export, not of two. Their times overlap because an answer already built is still being sent while the next file is built (the xlsx writer holds the event loop for seconds at a time); times on this shared 2-core machine vary by 2× between runs.
- Peak RSS includes what the process held before the phase (~200 MB after start: code, SQLite caches, the sealer's stream heads); the kernel's high-water mark is reset to the current RSS, not to zero.`;
    return {
      name: 'uploads',
      title: 'Uploads and exports within the heap bound',
      startedAt,
      machine: m,
      figures: { sizes, heapBoundMb: heapBound, phases, concurrentExports: pair, apiAlive },
      markdown,
    };
  } finally {
    for (const c of children) await stopChild(c);
    tmp.remove();
  }
}

export const uploadsBench: BenchModule = { name: 'uploads', run };
