import type { Response } from 'express';
import { ApiProblem } from '../problem-details/errors';

export interface WorkGateOptions {
  /** Jobs running at once. */
  concurrency: number;
  /** Jobs waiting their turn; one more is refused (503 with Retry-After) rather than queued. */
  queue: number;
  /** What the refusal tells the client to wait, in seconds. */
  retryAfterSeconds: number;
}

/**
 * Requests whose memory grows with the ledger take turns: one export of 43,000 items peaks the API
 * at ~400 MB RSS under its 512 MB heap bound, two at once would not fit (and an import of 10,000 rows
 * is of the same order). The others wait in order; past the queue they are refused, never run
 * concurrently. Per process: each API process bounds its own heap.
 */
export class WorkGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: WorkGateOptions) {}

  get state(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Runs `job` when its turn comes; throws 503 EXPORT_BUSY (Retry-After on `res`) when the queue is full. */
  async run<T>(job: () => Promise<T>, res?: Response): Promise<T> {
    if (this.running < this.options.concurrency) {
      this.running++;
    } else {
      if (this.waiting.length >= this.options.queue) {
        res?.setHeader('Retry-After', String(this.options.retryAfterSeconds));
        throw new ApiProblem(
          503,
          'SERVER_BUSY',
          `${this.running} large export(s) or import(s) running and ${this.waiting.length} waiting; retry in ${this.options.retryAfterSeconds} s`,
          {
            retryAfterSeconds: this.options.retryAfterSeconds,
          },
        );
      }
      // The slot is handed over by the job that finishes: `running` stays as it is.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** Exports and 交办单 imports in this process: one at a time, eight more waiting. */
export const HEAVY_REQUESTS = new WorkGate({ concurrency: 1, queue: 8, retryAfterSeconds: 10 });
