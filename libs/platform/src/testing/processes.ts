import { spawn, type ChildProcess } from 'node:child_process';

export interface SpawnedProcess {
  child: ChildProcess;
  /** Everything it has written so far, stdout and stderr interleaved. */
  out(): string;
  /** Resolves true once the process has written a line matching `line` (on its next output, not a timer). */
  said(line: RegExp, timeoutMs: number): Promise<boolean>;
  exited: Promise<number | null>;
}

/**
 * Runs a built entry point (see buildEntryPoints) as a real process, its output captured. Only PATH and
 * `env` reach it: nothing of the caller's LEDGER_* leaks in. It stays in `started` until it exits, so
 * that a suite can kill what is left.
 */
export function spawnBuilt(file: string, args: string[], options: { cwd: string; env: Record<string, string>; started: Set<ChildProcess> }): SpawnedProcess {
  const child = spawn(process.execPath, [file, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  options.started.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => (options.started.delete(child), resolve(code))));
  const said = (line: RegExp, timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (line.test(out)) return resolve(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      const check = () => line.test(out) && finish(true);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        resolve(ok);
      };
      // Registered after the collectors above, so `out` already holds the chunk when check runs.
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
    });
  return { child, out: () => out, said, exited };
}
