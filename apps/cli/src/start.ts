import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { isIPv6 } from 'node:net';
import { parseArgs } from 'node:util';
import { apiNodeFlags, resolveJwtSecret, type LedgerConfig } from '@ledger/platform';

/** Built entry points, beside this file in dist/: dist/apps/cli/src → dist/apps/{api,projector}/src. */
const API_MAIN = path.resolve(__dirname, '../../api/src/main.js');
const PROJECTOR_MAIN = path.resolve(__dirname, '../../projector/src/main.js');
const NOTIFIER_MAIN = path.resolve(__dirname, '../../notifier/src/main.js');

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

export type StartProcess = 'api' | 'projector' | 'notifier';
export interface StartOptions {
  demo: boolean;
  /** Run this one process alone (npm run start:api / start:projector); both when absent. */
  only?: StartProcess;
}

export const START_USAGE = 'start [--demo] [--only api|projector|notifier]';

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
  if (only !== undefined && only !== 'api' && only !== 'projector' && only !== 'notifier') {
    return { ok: false, message: `start --only ${JSON.stringify(only)}: expected api, projector or notifier` };
  }
  // The demo prints a URL and sign-in tokens for an API that a projector alone would not serve.
  if (demo && (only === 'projector' || only === 'notifier')) return { ok: false, message: `start --demo needs the API: use it without --only ${only}` };
  return { ok: true, options: only ? { demo, only } : { demo } };
}

/** How the launcher restarts a child that died (LEDGER_RESTART_LIMIT, LEDGER_RESTART_BACKOFF_MS). */
export interface SupervisePolicy {
  /** Restarts in a row before it gives up on a child; 0: never restart. */
  limit: number;
  /** The first restart's delay; it doubles with each failure in a row, up to MAX_BACKOFF_MS. */
  backoffMs: number;
}

const MAX_BACKOFF_MS = 30_000;
/** A child that ran this long before dying was healthy: its failures in a row start again from zero. */
const STABLE_MS = 60_000;

/**
 * Runs the API and the projector as two processes (or the one `only` names), forwards signals, and
 * supervises them: a child that dies is started again after a delay that doubles with each failure in
 * a row. After `limit` restarts in a row it gives up on it, loudly. Giving up on the projector leaves
 * the API serving (reads stay answerable; /health/ready reports the projector absent); giving up on
 * the API, or on the only process, stops the launcher with exit code 1. A child ended by the signal
 * this launcher forwarded counts as a clean stop.
 */
export async function startCommand(config: LedgerConfig, options: StartOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // The notifier runs when the county has said whom to notify through what (LEDGER_NOTIFY_CONFIG).
  const notifying = !!env.LEDGER_NOTIFY_CONFIG;
  if (options.only === 'notifier' && !notifying) {
    process.stderr.write('ledger: start --only notifier needs LEDGER_NOTIFY_CONFIG, the notification configuration file (channels and routes)\n');
    return 2;
  }
  const runs = (name: StartProcess) => (options.only === undefined ? name !== 'notifier' || notifying : options.only === name);
  // Generate the secret once here, so that the two children never race to create it.
  if (runs('api')) resolveJwtSecret(config);
  if (options.demo) await loadDemoHook(config);
  const policy: SupervisePolicy = { limit: config.restartLimit, backoffMs: config.restartBackoffMs };

  interface Supervised {
    name: StartProcess;
    file: string;
    nodeFlags: string[];
    /** After the entry point: the API's --demo. */
    args: string[];
    child: ChildProcess | null;
    startedAt: number;
    failures: number;
    timer: NodeJS.Timeout | null;
    gaveUp: boolean;
  }
  const supervised: Supervised[] = [];
  let stopping: NodeJS.Signals | null = null;
  let exitCode = 0;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));

  const settleIfIdle = () => {
    if (supervised.every((s) => s.child === null && s.timer === null)) resolveDone(exitCode);
  };
  const stopAll = (signal: NodeJS.Signals) => {
    stopping ??= signal;
    for (const s of supervised) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = null;
      const c = s.child;
      if (c && c.exitCode === null && c.signalCode === null) c.kill(signal);
    }
    settleIfIdle();
  };
  const launch = (s: Supervised): void => {
    const child = spawn(process.execPath, [...s.nodeFlags, s.file, ...s.args], { stdio: 'inherit', env: process.env });
    s.child = child;
    s.startedAt = Date.now();
    child.on('error', (e) => process.stderr.write(`ledger: ${s.name} failed to start: ${e.message}\n`));
    child.on('exit', (code, signal) => {
      s.child = null;
      if (stopping) {
        if (code !== 0 && signal !== stopping && exitCode === 0) exitCode = code ?? 1;
        return settleIfIdle();
      }
      if (Date.now() - s.startedAt >= STABLE_MS) s.failures = 0;
      const how = signal ?? `code ${code}`;
      if (s.failures >= policy.limit) {
        s.gaveUp = true;
        const alone = supervised.every((o) => o === s || o.gaveUp);
        if (s.name === 'projector' && !alone) {
          process.stderr.write(
            `ledger: GIVING UP on the projector: it exited (${how}) after ${s.failures} restart(s) in a row; the API keeps serving, ` +
              'its read models no longer follow the log and /health/ready answers 503 until a projector runs again\n',
          );
          return;
        }
        if (s.name === 'notifier' && !alone) {
          process.stderr.write(
            `ledger: GIVING UP on the notifier: it exited (${how}) after ${s.failures} restart(s) in a row; the API keeps serving, nobody is notified until a notifier runs again (messages wait in the outbox)\n`,
          );
          return;
        }
        process.stderr.write(`ledger: GIVING UP on the ${s.name}: it exited (${how}) after ${s.failures} restart(s) in a row; stopping\n`);
        exitCode = 1;
        return stopAll('SIGTERM');
      }
      const delay = Math.min(MAX_BACKOFF_MS, policy.backoffMs * 2 ** s.failures);
      s.failures++;
      process.stderr.write(`ledger: ${s.name} exited (${how}); restarting it in ${delay} ms (restart ${s.failures} of ${policy.limit} in a row)\n`);
      s.timer = setTimeout(() => {
        s.timer = null;
        if (!stopping) launch(s);
        else settleIfIdle();
      }, delay);
    });
  };
  const run = (name: StartProcess, file: string, nodeFlags: string[] = [], args: string[] = []): void => {
    const s: Supervised = { name, file, nodeFlags, args, child: null, startedAt: 0, failures: 0, timer: null, gaveUp: false };
    supervised.push(s);
    launch(s);
  };
  if (runs('projector')) run('projector', PROJECTOR_MAIN);
  if (runs('notifier')) run('notifier', NOTIFIER_MAIN);
  if (runs('api')) {
    // The API serves the demo sign-in list only when told so on its command line (not from the folder).
    run('api', API_MAIN, apiNodeFlags(config), options.demo ? ['--demo'] : []);
    process.stdout.write(
      `ledger: http://${browsableHost(config.host)}:${config.port}/  (API /api/v1, docs /api/docs, data ${config.dataDir}, bound to ${config.host})\n`,
    );
    if (options.demo) {
      process.stdout.write(
        'ledger: DEMO MODE: the demo accounts and their tokens (admin included) are served without a token at /api/v1/demo/users; never run --demo on real data\n',
      );
    }
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stopAll(signal));
  return done;
}

/** A host a browser on this machine reaches the API by: the bound address, or localhost for a wildcard. */
export function browsableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return isIPv6(host) ? `[${host}]` : host;
}
