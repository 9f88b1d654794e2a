import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
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

export type StartProcess = 'api' | 'projector';
export interface StartOptions {
  demo: boolean;
  /** Run this one process alone (npm run start:api / start:projector); both when absent. */
  only?: StartProcess;
}

export const START_USAGE = 'start [--demo] [--only api|projector]';

/** `ledger start`'s arguments; a wrong one is a message for the usage error, not a throw. */
export function parseStartArgs(args: string[]): { ok: true; options: StartOptions } | { ok: false; message: string } {
  let values: { demo?: boolean; only?: string };
  try {
    ({ values } = parseArgs({ args, options: { demo: { type: 'boolean', default: false }, only: { type: 'string' } }, strict: true }));
  } catch (e) {
    if (!(e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw e;
    return { ok: false, message: `${(e as Error).message}\n  ${START_USAGE}` };
  }
  const { demo = false, only } = values;
  if (only !== undefined && only !== 'api' && only !== 'projector') {
    return { ok: false, message: `start --only ${JSON.stringify(only)}: expected api or projector` };
  }
  // The demo prints a URL and sign-in tokens for an API that a projector alone would not serve.
  if (demo && only === 'projector') return { ok: false, message: 'start --demo needs the API: use it without --only projector' };
  return { ok: true, options: only ? { demo, only } : { demo } };
}

/**
 * Runs the API and the projector as two processes (or the one `only` names); forwards signals; exits
 * when either one does. A child ended by the signal this launcher forwarded counts as a clean stop.
 */
export async function startCommand(config: LedgerConfig, options: StartOptions): Promise<number> {
  const runs = (name: StartProcess) => options.only === undefined || options.only === name;
  // Generate the secret once here, so that the two children never race to create it.
  if (runs('api')) resolveJwtSecret(config);
  if (options.demo) await loadDemoHook(config);

  const children: Array<[StartProcess, ChildProcess]> = [];
  const run = (name: StartProcess, file: string, nodeFlags: string[] = []): void => {
    const child = spawn(process.execPath, [...nodeFlags, file], { stdio: 'inherit', env: process.env });
    child.on('error', (e) => process.stderr.write(`ledger: ${name} failed to start: ${e.message}\n`));
    children.push([name, child]);
  };
  if (runs('projector')) run('projector', PROJECTOR_MAIN);
  if (runs('api')) {
    run('api', API_MAIN, apiNodeFlags(config));
    process.stdout.write(`ledger: http://localhost:${config.port}/  (API /api/v1, docs /api/docs, data ${config.dataDir})\n`);
  }

  let stopping: NodeJS.Signals | null = null;
  const stopAll = (signal: NodeJS.Signals) => {
    stopping ??= signal;
    for (const [, c] of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stopAll(signal));

  return new Promise<number>((resolve) => {
    let exited = 0;
    let firstCode: number | null = null;
    for (const [name, child] of children) {
      child.on('exit', (code, signal) => {
        exited++;
        if (firstCode === null) {
          firstCode = code ?? (signal && signal === stopping ? 0 : 1);
          if (!stopping) process.stderr.write(`ledger: ${name} exited (${signal ?? code}); stopping\n`);
          stopAll('SIGTERM');
        }
        if (exited === children.length) resolve(firstCode);
      });
    }
  });
}
