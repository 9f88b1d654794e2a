import type { DataSource, EntityManager } from 'typeorm';
import type { EventStore, StoredEvent, Subscription } from '@ledger/event-store';
import { CheckpointRow } from '../checkpoint/checkpoint.entity';
import { currentStateCheckpoint, readBatchStart, temporalCheckpoint } from '../checkpoint/checkpoints';
import { upsertRows } from '../db/upsert';
import { WriteBatch } from '../db/write-batch';
import { isPostgres } from '../db/sql';
import { COUNTERS_STALE, finishRebuild, finishTemporalPass, TEMPORAL_STALE } from '../rebuild/finish';
import { applyEvents } from './current-state';
import { applyTemporalEvents } from './temporal';

export interface RunningProjector {
  /** The position of the last event handed over by the store. */
  readonly position: bigint;
  /** Caught up with the store's head as of the call: the current-state and the temporal read models. */
  caughtUp(): Promise<void>;
  /** Resolves true once both projections include `position`, false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
  /** Rejects when a batch fails (its transaction rolled back; nothing of it is visible). */
  readonly done: Promise<void>;
}

export interface ProjectorOptions {
  batchSize?: number;
  /**
   * Events per temporal transaction (default 250). The two projections take turns on one connection:
   * a current-state batch that arrives while a temporal one runs waits for it, so it is kept short.
   */
  temporalBatchSize?: number;
  onBatch?: (checkpoint: bigint, events: number) => void;
  /** After each temporal batch: the temporal read models' checkpoint. */
  onTemporalBatch?: (checkpoint: bigint, events: number) => void;
  /**
   * Run first in every transaction the projector opens (its batches, finishing a rebuild); throwing
   * rolls it back. The projection lease (./lease) fences a stale leader out with it.
   */
  fence?: (em: EntityManager) => Promise<void>;
}

/** Runs the projector's transactions one at a time (on SQLite they share one connection). */
export class Serial {
  private last: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.last.then(task, task);
    this.last = next.catch(() => undefined);
    return next;
  }
}

/**
 * A live batch this small carries the temporal work in its own transaction when the temporal models are
 * caught up. On PostgreSQL, under load the live batches are 30–50 events, and at 32 most of them paid a
 * second transaction (ten round trips) that the next batch waited behind. On SQLite a transaction costs
 * no round trip, and a larger joined batch only held the current state back (lag p50 +10–25 ms).
 */
const JOIN_TEMPORAL_UP_TO = { postgres: 250, sqlite: 32 };

/** Events handed to the current-state batch, kept for the temporal one so it need not read them again. */
const HANDOVER_LIMIT = 20_000;

/**
 * The temporal projection: follows the current-state checkpoint, each batch and its own checkpoint in
 * one transaction. It takes the events the current-state batches were handed when they follow its
 * checkpoint, and reads the store otherwise (after a restart, or when it fell behind).
 */
class TemporalFollower {
  private position: bigint;
  private target: bigint;
  private stale: boolean;
  private handed: StoredEvent[] = [];
  /**
   * The position of the event just before handed[0] in the log. Positions may have gaps, so
   * `handed[0].position === position + 1n` would not say whether it follows the temporal checkpoint.
   */
  private handedAfter = -1n;
  private stopped = false;
  /** Waiting for the current-state projection, nothing owed: position is final until woken. */
  private parked = false;
  private wake: (() => void) | null = null;
  private readonly waiters = new Set<{ position: bigint; resolve: (reached: boolean) => void }>();
  readonly done: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly serial: Serial,
    private readonly options: ProjectorOptions,
    start: { position: bigint; target: bigint; stale: boolean },
  ) {
    this.position = start.position;
    this.target = start.target;
    this.stale = start.stale;
    this.done = this.loop();
    this.done.catch(() => undefined);
  }

  /** A current-state batch committed up to `checkpoint`; `after`: the position of the event the batch's first follows. */
  advance(checkpoint: bigint, events: StoredEvent[], after: bigint): void {
    if (checkpoint <= this.target) return;
    this.target = checkpoint;
    const last = this.handed.length ? this.handed[this.handed.length - 1].position : this.handedAfter;
    if (last !== after || this.handed.length + events.length > HANDOVER_LIMIT) {
      // Not a continuation of what is held (or too much): start over from this batch.
      this.handed = [];
      this.handedAfter = after;
    }
    if (events.length <= HANDOVER_LIMIT) this.handed.push(...events);
    else this.handedAfter = -1n;
    this.wake?.();
  }

  /**
   * Whether the batch that follows `after` may carry the temporal work in its own transaction: the
   * follower is parked exactly there. Asked inside that transaction (the follower opens none while parked).
   */
  canJoin(after: bigint): boolean {
    return this.parked && !this.stopped && !this.stale && this.position === after && this.target === after;
  }

  /** The current-state transaction took the temporal work up to `checkpoint` too: nothing to do for it. */
  joined(checkpoint: bigint, events: number): void {
    this.position = this.target = this.handedAfter = checkpoint;
    this.handed = [];
    this.options.onTemporalBatch?.(checkpoint, events);
    this.release();
  }

  /** Resolves true once the temporal read models include `position`, false if the follower stops first. */
  reached(position: bigint): Promise<boolean> {
    if (this.position >= position || this.stopped) return Promise.resolve(this.position >= position);
    return new Promise((resolve) => this.waiters.add({ position, resolve }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.done.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.position >= this.target) {
          if (this.stale) {
            await this.transaction(finishTemporalPass);
            this.stale = false;
            continue; // the current-state projection may have moved on meanwhile
          }
          this.release();
          this.parked = true;
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.parked = false;
          this.wake = null;
          continue;
        }
        const batch = await this.next();
        this.position = await this.transaction((em) => applyTemporalEvents(em, batch, { contiguous: this.store.contiguousPositions }));
        this.options.onTemporalBatch?.(this.position, batch.length);
        if (!this.stale) this.release();
      }
    } finally {
      this.stopped = true;
      this.release(true);
    }
  }

  /** The next events after the temporal checkpoint, up to the current-state checkpoint. */
  private async next(): Promise<StoredEvent[]> {
    const limit = this.options.temporalBatchSize ?? 250;
    let skip = 0;
    while (skip < this.handed.length && this.handed[skip].position <= this.position) this.handedAfter = this.handed[skip++].position;
    if (skip) this.handed = this.handed.slice(skip);
    let batch: StoredEvent[];
    if (this.handed.length && this.handedAfter === this.position) {
      batch = this.handed.splice(0, limit);
      this.handedAfter = batch[batch.length - 1].position;
    } else {
      this.handed = [];
      this.handedAfter = -1n;
      batch = await this.store.readAll({ after: this.position, limit });
    }
    return batch.filter((e) => e.position <= this.target);
  }

  private transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.serial.run(() =>
      this.dataSource.transaction(async (em) => {
        await this.options.fence?.(em);
        return work(em);
      }),
    );
  }

  private release(all = false): void {
    for (const w of this.waiters) {
      if (all || w.position <= this.position) {
        this.waiters.delete(w);
        w.resolve(w.position <= this.position);
      }
    }
  }
}

/**
 * Applies a batch to the current-state and the temporal read models and advances both checkpoints,
 * inside the caller's transaction (both models at the same checkpoint before it, as a live projector
 * that is caught up finds them). One read of what both need, their writes in as few statements as
 * their order allows, both checkpoints in one: each statement is a round trip that waits for a core
 * under load. Returns the new checkpoint.
 */
export async function applyBoth(em: EntityManager, events: StoredEvent[], options: { contiguous?: boolean } = {}): Promise<bigint> {
  const start = await readBatchStart(em);
  const writes = new WriteBatch(em);
  const checkpoints: CheckpointRow[] = [];
  const applied = await applyEvents(em, events, { ...options, after: start.current, writes, checkpoints });
  await applyTemporalEvents(em, events, { ...options, start, writes, checkpoints });
  await upsertRows(em, CheckpointRow, checkpoints, [], undefined, writes);
  await writes.flush();
  return applied;
}

/**
 * Subscribes to the store from the current-state checkpoint; each batch and that checkpoint commit
 * together. The temporal read models, with their own checkpoint, follow in transactions of their own
 * while behind or on a large batch (a start, a backlog), so that what `minPosition` waits for never waits
 * on a long temporal catch-up; caught up, a small batch carries them in its transaction. Give it a DataSource of its own: on SQLite
 * a shared connection would let readers see a batch before it commits.
 */
export async function startProjector(dataSource: DataSource, store: EventStore, options: ProjectorOptions = {}): Promise<RunningProjector> {
  const serial = new Serial();
  const start = await dataSource.transaction(async (em) => {
    await options.fence?.(em);
    if (await em.getRepository(CheckpointRow).findOneBy({ name: COUNTERS_STALE })) await finishRebuild(em);
    return {
      after: await currentStateCheckpoint(em),
      temporal: await temporalCheckpoint(em),
      stale: !!(await em.getRepository(CheckpointRow).findOneBy({ name: TEMPORAL_STALE })),
    };
  });
  const temporal = new TemporalFollower(dataSource, store, serial, options, { position: start.temporal, target: start.after, stale: start.stale });
  /** The position of the last event the subscription handed over (each batch follows it in the log). */
  let delivered = start.after;
  const subscription: Subscription = store.subscribe(
    async (events) => {
      const after = delivered;
      let joined = false;
      const checkpoint = await serial.run(() =>
        dataSource.transaction(async (em) => {
          await options.fence?.(em);
          // Live, a batch is often one command's events: a second transaction (its fence, checkpoint
          // read and commit) for the temporal models cost as much as their rows. When they are caught
          // up they take a small batch here, and both checkpoints commit together; a catch-up's large
          // batches stay apart, so that the current state is not held back by the slower temporal rows.
          joined = events.length <= JOIN_TEMPORAL_UP_TO[isPostgres(em) ? 'postgres' : 'sqlite'] && temporal.canJoin(after);
          const contiguous = store.contiguousPositions;
          return joined ? applyBoth(em, events, { contiguous }) : applyEvents(em, events, { contiguous });
        }),
      );
      if (events.length) delivered = events[events.length - 1].position;
      if (joined) temporal.joined(checkpoint, events.length);
      else temporal.advance(checkpoint, events, after);
      options.onBatch?.(checkpoint, events.length);
    },
    { after: start.after, batchSize: options.batchSize ?? 1000 },
  );
  const stop = async () => {
    await subscription.stop();
    await temporal.stop();
  };
  // Either projection failing stops both.
  const done = Promise.all([
    subscription.done.catch(async (e: unknown) => {
      await temporal.stop();
      throw e;
    }),
    temporal.done.catch(async (e: unknown) => {
      await subscription.stop().catch(() => undefined);
      throw e;
    }),
  ]).then(() => undefined);
  done.catch(() => undefined);
  return {
    get position() {
      return subscription.position;
    },
    caughtUp: async () => {
      await subscription.caughtUp();
      await temporal.reached(subscription.position);
    },
    waitFor: async (position, timeoutMs) => {
      const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
      if (!(await subscription.waitFor(position, timeoutMs))) return false;
      const reached = temporal.reached(position);
      if (deadline === undefined) return reached;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
      try {
        return await Promise.race([reached, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop,
    done,
  };
}
