import type { StoredEvent, SubscribeOptions, Subscription, SubscriptionHandler } from '../port';

/** What a subscription needs from its store (kept narrow so the two files do not import each other's class). */
export interface SubscriptionSource {
  readAllSync(after: bigint, limit: number): StoredEvent[];
  headSync(): bigint;
  nextChange(): { promise: Promise<void>; cancel(): void };
}

interface PositionWaiter {
  position: bigint;
  resolve(reached: boolean): void;
  timer: NodeJS.Timeout | null;
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Reads committed events after its position in batches, hands each batch to the handler, and when
 * a read comes back empty waits for the next commit. Catch-up and live delivery are the same loop
 * reading the same table, so the hand-over can neither skip nor repeat an event.
 */
export class SqliteSubscription implements Subscription {
  private current: bigint;
  private stopped = false;
  private finished = false;
  private failure: unknown = undefined;
  private waiting: { cancel(): void } | null = null;
  private waiters = new Set<PositionWaiter>();
  private readonly batchSize: number;
  readonly done: Promise<void>;

  constructor(
    private readonly source: SubscriptionSource,
    private readonly handler: SubscriptionHandler,
    options: SubscribeOptions,
    private readonly onEnd: () => void,
  ) {
    this.current = options.after;
    this.batchSize = options.batchSize ?? 500;
    this.done = this.run();
    // `done` rejects when the handler throws; a subscriber that never awaits it must not crash the process.
    this.done.catch(() => undefined);
  }

  get position(): bigint {
    return this.current;
  }

  private async run(): Promise<void> {
    try {
      await yieldToEventLoop();
      while (!this.stopped) {
        const batch = this.source.readAllSync(this.current, this.batchSize);
        if (batch.length) {
          await this.handler(batch);
          this.current = batch[batch.length - 1].position;
          this.settleWaiters();
          // Let appends and timers run between batches of a long catch-up.
          await yieldToEventLoop();
          continue;
        }
        const change = this.source.nextChange();
        this.waiting = change;
        await change.promise;
        this.waiting = null;
      }
    } catch (e) {
      this.failure = e;
      throw e;
    } finally {
      this.stopped = true;
      this.finished = true;
      for (const w of this.waiters) this.endWaiter(w, this.current >= w.position);
      this.waiters.clear();
      this.onEnd();
    }
  }

  private settleWaiters(): void {
    for (const w of this.waiters) {
      if (this.current >= w.position) {
        this.waiters.delete(w);
        this.endWaiter(w, true);
      }
    }
  }

  private endWaiter(w: PositionWaiter, reached: boolean): void {
    if (w.timer) clearTimeout(w.timer);
    w.resolve(reached);
  }

  async caughtUp(): Promise<void> {
    const head = this.source.headSync();
    if (await this.waitFor(head)) return;
    if (this.failure !== undefined) throw this.failure;
    throw new Error(`subscription stopped at ${this.current} before catching up with ${head}`);
  }

  waitFor(position: bigint, timeoutMs?: number): Promise<boolean> {
    if (this.current >= position) return Promise.resolve(true);
    if (this.finished) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const w: PositionWaiter = { position, resolve, timer: null };
      if (timeoutMs !== undefined) {
        w.timer = setTimeout(() => {
          this.waiters.delete(w);
          resolve(false);
        }, timeoutMs);
      }
      this.waiters.add(w);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting?.cancel();
    await this.done.catch(() => undefined);
  }
}
