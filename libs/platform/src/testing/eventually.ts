/**
 * Waits for a probe of real state (a checkpoint, a lease holder, a process's output) to answer: any
 * value but null, undefined or false. Between looks it backs off from 1 ms to 20 ms, since the state is
 * often changed by another process that this one cannot await; past `timeoutMs` it fails, naming what
 * never happened (and `explain()`, for the logs of those processes).
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  options: { timeoutMs?: number; explain?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}${options.explain ? `\n${options.explain()}` : ''}`);
    await new Promise((resume) => setTimeout(resume, pause));
  }
}
