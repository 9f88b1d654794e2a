import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { apiNodeFlags, resolveJwtSecret, type LedgerConfig } from '@ledger/platform';

/** Built entry points, beside this file in dist/: dist/apps/cli/src → dist/apps/{api,projector}/src. */
const API_MAIN = path.resolve(__dirname, '../../api/src/main.js');
const PROJECTOR_MAIN = path.resolve(__dirname, '../../projector/src/main.js');

/**
 * The `start --demo` hook: apps/cli/src/demo/index.ts (owned by the demo work) exports
 * `loadDemo(config)`, run before the server starts. Absent module: start without a demo.
 */
async function loadDemoHook(config: LedgerConfig): Promise<void> {
  let mod: { loadDemo?: (config: LedgerConfig) => Promise<void> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('./demo');
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
    process.stderr.write('ledger: the demo loader is not built into this version; starting without demo data\n');
    return;
  }
  if (typeof mod.loadDemo !== 'function') throw new Error('apps/cli/src/demo must export loadDemo(config)');
  await mod.loadDemo(config);
}

/** Runs the API and the projector as two processes; forwards signals; exits when either one does. */
export async function startCommand(config: LedgerConfig, options: { demo: boolean }): Promise<number> {
  // Generate the secret once here, so that the two children never race to create it.
  resolveJwtSecret(config);
  if (options.demo) await loadDemoHook(config);

  const children: ChildProcess[] = [];
  const run = (name: string, file: string, nodeFlags: string[] = []): ChildProcess => {
    const child = spawn(process.execPath, [...nodeFlags, file], { stdio: 'inherit', env: process.env });
    child.on('error', (e) => process.stderr.write(`ledger: ${name} failed to start: ${e.message}\n`));
    children.push(child);
    return child;
  };
  const projector = run('projector', PROJECTOR_MAIN);
  const api = run('api', API_MAIN, apiNodeFlags(config));
  process.stdout.write(`ledger: http://localhost:${config.port}/  (API /api/v1, docs /api/docs, data ${config.dataDir})\n`);

  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stopAll(signal));

  return new Promise<number>((resolve) => {
    let exited = 0;
    let firstCode: number | null = null;
    for (const [name, child] of [['api', api], ['projector', projector]] as const) {
      child.on('exit', (code, signal) => {
        exited++;
        if (firstCode === null) {
          firstCode = code ?? (signal ? 1 : 0);
          if (!stopping) process.stderr.write(`ledger: ${name} exited (${signal ?? code}); stopping\n`);
          stopAll('SIGTERM');
        }
        if (exited === children.length) resolve(stopping && firstCode === null ? 0 : (firstCode ?? 0));
      });
    }
  });
}
