import { ApiProblem } from '../problem-details/errors';
import { WorkGate } from './work-gate';

/** A job that runs until the test lets it finish, recording when it started. */
function heldJob(log: string[], name: string) {
  let finish!: (v: string) => void;
  const finished = new Promise<string>((resolve) => (finish = resolve));
  return {
    job: () => {
      log.push(`start ${name}`);
      return finished.then((v) => (log.push(`end ${name}`), v));
    },
    finish: () => finish(name),
  };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('WorkGate: exports and imports take turns', () => {
  it('runs one job at a time, the next in order when the one before finishes, failed or not', async () => {
    const gate = new WorkGate({ concurrency: 1, queue: 8, retryAfterSeconds: 10 });
    const log: string[] = [];
    const a = heldJob(log, 'a');
    const b = heldJob(log, 'b');
    const c = heldJob(log, 'c');
    const ra = gate.run(a.job);
    const rb = gate.run(b.job);
    const rc = gate.run(() => c.job().then(() => Promise.reject(new Error('c failed'))));
    await settle();
    expect(log).toEqual(['start a']);
    expect(gate.state).toEqual({ running: 1, waiting: 2 });
    // The last one first: it still waits for a, then b.
    c.finish();
    b.finish();
    await settle();
    expect(log).toEqual(['start a']);
    a.finish();
    expect(await ra).toBe('a');
    expect(await rb).toBe('b');
    await expect(rc).rejects.toThrow('c failed');
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(gate.state).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a job past the queue with 503 SERVER_BUSY and Retry-After, and runs nothing for it', async () => {
    const gate = new WorkGate({ concurrency: 1, queue: 1, retryAfterSeconds: 7 });
    const log: string[] = [];
    const a = heldJob(log, 'a');
    const b = heldJob(log, 'b');
    const ra = gate.run(a.job);
    const rb = gate.run(b.job);
    const headers: Record<string, string> = {};
    const res = { setHeader: (k: string, v: string) => (headers[k] = v) } as never;
    const refused = await gate.run(async () => log.push('start c'), res).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiProblem);
    expect(refused).toMatchObject({ status: 503, code: 'SERVER_BUSY', extra: { retryAfterSeconds: 7 } });
    expect(headers).toEqual({ 'Retry-After': '7' });
    a.finish();
    b.finish();
    await Promise.all([ra, rb]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });
});
