/** Test support: what a CLI command wrote to stdout and stderr while it ran in the test's own process. */
export interface CapturedOutput {
  out(): string;
  err(): string;
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  let out = '';
  let err = '';
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  process.stdout.write = ((s: string | Uint8Array) => ((out += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
  return {
    out: () => out,
    err: () => err,
    restore: () => {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
    },
  };
}
