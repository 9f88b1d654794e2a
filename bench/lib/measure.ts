import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Rate {
  count: number;
  seconds: number;
  perSecond: number;
}

export async function measure(count: number, fn: () => unknown): Promise<Rate> {
  const start = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { count, seconds, perSecond: count / seconds };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A fresh folder under the OS temp dir (or BENCH_DIR), removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const base = process.env.BENCH_DIR || os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export const quick = process.env.BENCH_QUICK === '1';

/** A size from the environment (e.g. BENCH_STORE_APPENDS=5000), else the full or the quick default. */
export function size(name: string, full: number, quickValue: number): number {
  const raw = process.env[name];
  if (raw && /^\d+$/.test(raw)) return Number(raw);
  return quick ? quickValue : full;
}

/** A count or rate as the tables print it: rounded, with thousands separators. */
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
