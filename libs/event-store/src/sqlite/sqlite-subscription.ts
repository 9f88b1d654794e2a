import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StoredEvent, SubscribeOptions, Subscription, SubscriptionHandler } from '../port';

/** What a subscription needs from its store (kept narrow so the two files do not import each other's class). */
export interface SubscriptionSource {
  readAllSync(after: bigint, limit: number): StoredEvent[];
  headSync(): bigint;
  /** Resolves on the store's own commits, and on other processes' as its data_version poll finds them. */
  nextChange(): { promise: Promise<void>; cancel(): void };
  /** The database file; when given, another process's write to its WAL wakes the subscription at once. */
  readonly file?: string;
}

/**
 * How long after a write to the WAL the head is looked at every millisecond. The write (frames) comes
 * before the commit is visible (fsync, then the WAL index in shared memory, neither of which a watcher
 * sees), so one look on the event is often too early; past this the data_version poll takes over.
 */
const FAST_LOOK_MS = 40;

/**
 * One watcher per WAL file and process, shared by its subscriptions. It watches the folder, not the
 * file: SQLite may delete the WAL when its last connection closes and make a new one later.
 */
class WalWatch {
  private static readonly open = new Map<string, WalWatch>();
  private readonly listeners = new Set<() => void>();
  private watcher: fs.FSWatcher | null = null;

  static join(file: string, listener: () => void): () => void {
    const key = path.resolve(file);
    let w = WalWatch.open.get(key);
    if (!w) WalWatch.open.set(key, (w = new WalWatch(key)));
    w.listeners.add(listener);
    const watch = w;
    return () => {
      watch.listeners.delete(listener);
      if (watch.listeners.size) return;
      watch.watcher?.close();
      WalWatch.open.delete(key);
    };
  }

  private constructor(file: string) {
    const wal = `${path.basename(file)}-wal`;
    try {
      // Not persistent: a subscription keeps its process alive through the store's poll, not through this.
      this.watcher = fs.watch(path.dirname(file), { persistent: false }, (_event, name) => {
        if (name === wal) for (const l of this.listeners) l();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null; // no watcher here (e.g. inotify limits): the poll alone finds other processes' commits
    }
  }
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
  private readonly leaveWal: (() => void) | null;
  private walWrittenAt = -Infinity;
  private looking: NodeJS.Timeout | null = null;
  readonly done: Promise<void>;

  constructor(
    private readonly source: SubscriptionSource,
    private readonly handler: SubscriptionHandler,
    options: SubscribeOptions,
    private readonly onEnd: () => void,
  ) {
    this.current = options.after;
    this.batchSize = options.batchSize ?? 500;
    this.leaveWal = source.file && source.file !== ':memory:' ? WalWatch.join(source.file, () => this.onWalWrite()) : null;
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
        // A WAL write seen while the last batch was handled may be a commit not yet visible to that read.
        if (performance.now() - this.walWrittenAt < FAST_LOOK_MS) this.lookSoon();
        await change.promise;
        this.waiting = null;
      }
    } catch (e) {
      this.failure = e;
      throw e;
    } finally {
      this.stopped = true;
      this.finished = true;
      this.leaveWal?.();
      if (this.looking) clearTimeout(this.looking);
      for (const w of this.waiters) this.endWaiter(w, this.current >= w.position);
      this.waiters.clear();
      this.onEnd();
    }
  }

  private onWalWrite(): void {
    this.walWrittenAt = performance.now();
    if (this.waiting) this.lookSoon();
  }

  /** Looks at the head now and every millisecond after the last WAL write, until there is something to read. */
  private lookSoon(): void {
    if (this.looking) return;
    const look = (): void => {
      this.looking = null;
      if (!this.waiting || this.stopped) return;
      let ahead: boolean;
      try {
        ahead = this.source.headSync() > this.current;
      } catch {
        return; // the store is closing: the poll and stop() settle the subscription
      }
      if (ahead) {
        this.waiting.cancel();
        return;
      }
      if (performance.now() - this.walWrittenAt < FAST_LOOK_MS) this.looking = setTimeout(look, 1);
    };
    look();
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
