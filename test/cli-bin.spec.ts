/**
 * The `ledger` command as an operator types it (`npx ledger …`, `npm run ledger -- …`): it runs the
 * built CLI and never builds. Each case runs in a folder of its own holding copies of the real
 * package.json and bin/ledger.js, so that a missing build can be shown without touching the shared dist/.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as jwt from 'jsonwebtoken';
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';

const ROOT = path.resolve(__dirname, '..');
const SECRET = 'cli-bin-secret-0123456789abcdef';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Only PATH and HOME (npm's cache) reach the command: nothing of the caller's LEDGER_* leaks in. */
function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.homedir(), LEDGER_JWT_SECRET: SECRET, LEDGER_DATA_DIR: path.join(cwd, 'data') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A folder laid out as the repository root: package.json, bin/ledger.js and, when given, dist/. */
function operatorFolder(dist?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-bin-'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync(path.join(ROOT, 'bin/ledger.js'), path.join(dir, 'bin/ledger.js'));
  fs.chmodSync(path.join(dir, 'bin/ledger.js'), 0o755);
  if (dist) fs.symlinkSync(dist, path.join(dir, 'dist'), 'dir');
  return dir;
}

/** Every file under `dir` with its size and modification time: what a build would change. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const s = fs.statSync(file);
    out[path.relative(dir, file)] = `${s.size} ${s.mtimeMs}`;
  }
  return out;
}

/** npx links each folder it ran a local bin from into its cache (~/.npm/_npx/<hash>): those of ours go with the folders. */
function forgetNpxLinks(dirs: string[]): void {
  const cache = path.join(process.env.HOME ?? os.homedir(), '.npm', '_npx');
  if (!fs.existsSync(cache)) return;
  for (const entry of fs.readdirSync(cache)) {
    const manifest = path.join(cache, entry, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const packages: string[] = JSON.parse(fs.readFileSync(manifest, 'utf8'))._npx?.packages ?? [];
    if (packages.some((p) => dirs.includes(p))) fs.rmSync(path.join(cache, entry), { recursive: true, force: true });
  }
}

const TOKEN_ARGS = ['token', '--role', 'unit', '--unit', 'dahua', '--sub', 'u-7', '--name', '刘洋'];
const INVOCATIONS: Array<[string, string, string[]]> = [
  ['bin/ledger.js', process.execPath, ['bin/ledger.js', ...TOKEN_ARGS]],
  ['npm run ledger --', 'npm', ['run', '--silent', 'ledger', '--', ...TOKEN_ARGS]],
  ['npx ledger', 'npx', ['ledger', ...TOKEN_ARGS]],
];

describe('ledger (package.json bin) without a build', () => {
  const dirs: string[] = [];
  afterAll(() => {
    forgetNpxLinks(dirs);
    dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  });

  it.each(INVOCATIONS)(
    '%s says in one line that the build is missing, exits 1, and builds nothing',
    async (_name, cmd, args) => {
      const dir = operatorFolder();
      dirs.push(dir);
      const r = await run(cmd, args, dir);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines).toEqual(['ledger: the build is missing (dist/apps/cli/src/main.js); run `npm run build` first']);
      expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
    },
    120_000,
  );
});

describe('ledger (package.json bin) with a build', () => {
  const scratch = `.cli-bin-${process.pid}`;
  const dist = path.join(ROOT, 'dist', scratch);
  const dirs: string[] = [];

  beforeAll(() => {
    buildEntryPoints(scratch, ['apps/cli/src/main.ts']);
  }, 300_000);
  afterAll(() => {
    forgetNpxLinks(dirs);
    dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
    fs.rmSync(dist, { recursive: true, force: true });
  });

  it.each(INVOCATIONS)(
    '%s prints a token signed with the configured secret, and leaves dist/ as it was',
    async (_name, cmd, args) => {
      const dir = operatorFolder(dist);
      dirs.push(dir);
      const before = snapshot(dist);
      const r = await run(cmd, args, dir);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      const token = r.stdout.trim();
      expect(r.stdout).toBe(`${token}\n`);
      expect(jwt.verify(token, SECRET, { algorithms: ['HS256'] })).toMatchObject({ sub: 'u-7', role: 'unit', unitId: 'dahua', name: '刘洋' });
      // Nothing compiled: the build's files are the same files, untouched, and none was added.
      expect(snapshot(dist)).toEqual(before);
      expect(fs.readdirSync(dir).sort()).toEqual(['bin', 'dist', 'package.json']);
    },
    120_000,
  );

  it('ledger token loads neither NestJS nor TypeORM nor the sheet importer: the other commands load on demand', async () => {
    const dir = operatorFolder(dist);
    dirs.push(dir);
    // Preloaded ahead of the CLI: on exit it prints which of the heavy modules were ever required.
    const probe = path.join(dir, 'probe.js');
    fs.writeFileSync(
      probe,
      `process.on('exit', () => process.stderr.write(JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules[\\/](@nestjs[\\/]core|typeorm|exceljs)[\\/]|sheets[\\/]import-sheet\\.js$/.test(f)).length)));`,
    );
    const r = await run(process.execPath, ['--require', probe, 'bin/ledger.js', ...TOKEN_ARGS], dir);
    expect({ code: r.code, heavyModules: r.stderr }).toEqual({ code: 0, heavyModules: '0' });
    expect(jwt.verify(r.stdout.trim(), SECRET)).toMatchObject({ sub: 'u-7' });
    // The same probe sees them when a command needs them: the probe can tell.
    const usage = await run(process.execPath, ['--require', probe, 'bin/ledger.js', 'help'], dir);
    expect(usage.stdout).toContain('import-sheet <file.xlsx|file.csv>');
    expect(Number(usage.stderr)).toBeGreaterThan(0);
  }, 120_000);

  it('ledger help shows every command the CLI runs (the commands read from its source, not from the help)', async () => {
    const dir = operatorFolder(dist);
    dirs.push(dir);
    const source = fs.readFileSync(path.join(ROOT, 'apps/cli/src/main.ts'), 'utf8');
    const commands = [...source.matchAll(/^ {4}case '([a-z-]+)':/gm)].map((m) => m[1]);
    expect(commands).toEqual(expect.arrayContaining(['token', 'start', 'import-sheet', 'notify']));
    const usage = await run(process.execPath, ['bin/ledger.js', 'help'], dir);
    expect(usage.code).toBe(0);
    const shown = new Set([...usage.stdout.matchAll(/^ {2}([a-z-]+)[ \n]/gm)].map((m) => m[1]));
    expect(commands.filter((c) => !shown.has(c))).toEqual([]);
  }, 120_000);
});
