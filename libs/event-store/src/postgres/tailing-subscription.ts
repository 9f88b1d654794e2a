import type { StoredEvent, Subscription, SubscriptionHandler } from '../port';

/** What a tailing subscription needs from its store. */
export interface TailSource {
  readAll(options: { after: bigint; limit: number }): Promise<StoredEvent[]>;
  headPosition(): Promise<bigint>;
  /** Registers a listener called when the head may have moved; returns the unregister function. */
  onWake(listener: (head?: bigint) => void): () => void;
  /** The longest wait between reads when no wake-up comes (a missed notification costs at most this). */
  fallbackPollMs: number;
}

/**
 * Catch-up then live, by reading `position > checkpoint` in order: the same query serves both, so
 * there is no hand-over where an event could be missed or seen twice. Between reads it sleeps until
 * a wake-up (a notification) or the slow fallback timer.
 */
export class TailingSubscription implements Subscription {
  private current: bigint;
  private stopped = false;
  private wake: (() => void) | null = null;
  private pendingWake = false;
  private readonly waiters = new Set<{ position: bigint; resolve: (ok: boolean) => void }>();
  private readonly unregister: () => void;
  readonly done: Promise<void>;

  constructor(
    private readonly source: TailSource,
    private readonly handler: SubscriptionHandler,
    after: bigint,
    private readonly batchSize = 500,
  ) {
    this.current = after;
    this.unregister = source.onWake(() => this.poke());
    this.done = this.run();
    // A handler failure is reported through `done`; keep it from being an unhandled rejection as well.
    this.done.catch(() => undefined);
  }

  get position(): bigint {
    return this.current;
  }

  private poke(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopped) {
        this.pendingWake = false;
        const events = await this.source.readAll({ after: this.current, limit: this.batchSize });
        if (this.stopped) break;
        if (events.length > 0) {
          await this.handler(events);
          this.current = events[events.length - 1].position;
          this.settleWaiters();
          continue;
        }
        if (this.pendingWake) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.source.fallbackPollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    } finally {
      this.stopped = true;
      this.unregister();
      for (const w of this.waiters) w.resolve(this.current >= w.position);
      this.waiters.clear();
    }
  }

  private settleWaiters(): void {
    for (const w of this.waiters) {
      if (this.current >= w.position) {
        w.resolve(true);
        this.waiters.delete(w);
      }
    }
  }

  async caughtUp(): Promise<void> {
    const head = await this.source.headPosition();
    if (!(await this.waitFor(head))) {
      await this.done;
      throw new Error('subscription stopped before catching up');
    }
  }

  waitFor(position: bigint, timeoutMs?: number): Promise<boolean> {
    if (this.current >= position) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        position,
        resolve: (ok: boolean) => {
          if (timer) clearTimeout(timer);
          resolve(ok);
        },
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(this.current >= position);
        }, timeoutMs);
      }
      this.waiters.add(waiter);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.done.catch(() => undefined);
  }
}

/**
 * The subscriptions of one store instance and the wake-ups they share (a NOTIFY, an `$all` push):
 * both server adapters tail the same way, only their readers and their wake-up sources differ.
 */
export class TailingHub {
  private readonly listeners = new Set<(head?: bigint) => void>();
  private readonly subscriptions = new Set<TailingSubscription>();

  constructor(private readonly reader: Pick<TailSource, 'readAll' | 'headPosition' | 'fallbackPollMs'>) {}

  subscribe(handler: SubscriptionHandler, after: bigint, batchSize?: number): TailingSubscription {
    const subscription = new TailingSubscription(
      {
        readAll: (o) => this.reader.readAll(o),
        headPosition: () => this.reader.headPosition(),
        onWake: (listener) => {
          this.listeners.add(listener);
          return () => this.listeners.delete(listener);
        },
        fallbackPollMs: this.reader.fallbackPollMs,
      },
      handler,
      after,
      batchSize,
    );
    this.subscriptions.add(subscription);
    void subscription.done.catch(() => undefined).then(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  /** The head may have moved: every subscription reads again. */
  wake(head?: bigint): void {
    for (const l of this.listeners) l(head);
  }

  stopAll(): Promise<void[]> {
    return Promise.all([...this.subscriptions].map((s) => s.stop()));
  }
}
