import type { DataSource, EntityManager } from 'typeorm';
import type { EventStore, Subscription } from '@ledger/event-store';
import { LeaseLostError, ProjectionLease, wakeablePause } from '@ledger/read-models/lease';
import {
  applyNotificationEvents,
  backfillUnitTree,
  dueChannels,
  dueMessages,
  enqueueScheduled,
  ensureBulletinsFrom,
  ensureNotifyFrom,
  nextDueAt,
  NOTIFIER_LEASE,
  notifierCheckpoint,
  purgeDelivered,
  recordAttempt,
  scheduledQueued,
  unknownRouteUnits,
  type AttemptResult,
  type NotifyConfig,
  type OutboxMessage,
} from '@ledger/read-models/notifications';
import { parseBulletinPeriod, type BulletinData } from '@ledger/sheets-io';
import { BulletinTimer } from './bulletin-timer';
import { bulletinPayload, dueMonthlyPeriod, dueWeeklyPeriod, monthlyBulletinKey, weeklyBulletinKey } from './bulletins';
import { buildRequest, send } from './channels';

export interface NotifierOptions {
  /** Who holds the notifier's lease (host/pid), for logs. */
  holder: string;
  ttlMs: number;
  batchSize?: number;
  /** The last good configuration: read at every batch and every delivery, so an edit applies at once. */
  config: () => NotifyConfig;
  now?: () => Date;
  log?: (line: string) => void;
  /**
   * A month's bulletin figures for a scheduled bulletin ("bulletins" in the configuration), or null while
   * the read models have not caught up with the log (asked again at the next pass). Unset: none is sent.
   */
  bulletin?: (period: string) => Promise<BulletinData | null>;
}

export interface RunningNotifier {
  readonly state: 'standby' | 'leader';
  /** Looks for due messages now (after a configuration change or a replay). */
  wake(): void;
  stop(): Promise<void>;
  /** Rejects on a failure other than losing the lease. */
  readonly done: Promise<void>;
}

/** Messages looked at per pass: each is sent and recorded before the next. */
const PASS = 20;
/** Longest idle wait: a message replayed through another process is picked up within it. */
const IDLE_MS = 1000;
/** How often the leader deletes delivered messages past their retention (county clock). */
const PURGE_EVERY_MS = 10 * 60_000;
/** Delivered messages deleted per transaction, and transactions per pass: deliveries go on between them. */
const PURGE_BATCH = 200;
const PURGE_BATCHES_PER_PASS = 25;
const DAY_MS = 86_400_000;

/** The delay before attempt `attempts + 1` after a failure: backoffMs, doubling, at most maxBackoffMs. */
export function retryDelayMs(attempts: number, delivery: NotifyConfig['delivery']): number {
  return Math.min(delivery.maxBackoffMs, delivery.backoffMs * 2 ** Math.min(attempts, 40));
}

/**
 * The notification process: while it holds the notifier's lease it follows the log from its own
 * checkpoint (each batch's messages and the checkpoint commit together) and delivers the outbox. A
 * message is recorded delivered in a transaction of its own right after the receiver's 2xx: a crash
 * between the two sends it again, with the same id in Idempotency-Key (at-least-once delivery,
 * exactly-once at a receiver that drops repeated ids). Every statement that writes is fenced by the
 * lease, so a paused leader that wakes up after a takeover writes nothing.
 */
export async function startNotifier(ds: DataSource, leaseDs: DataSource, store: EventStore, options: NotifierOptions): Promise<RunningNotifier> {
  const lease = await ProjectionLease.open(leaseDs, { name: NOTIFIER_LEASE, holder: options.holder, ttlMs: options.ttlMs });
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  const pollMs = Math.max(50, Math.round(options.ttlMs / 4));
  const heartbeatMs = Math.max(50, Math.round(options.ttlMs / 3));
  let state: 'standby' | 'leader' = 'standby';
  let stopped = false;
  const { pause, wake } = wakeablePause();
  // On SQLite the process's transactions share one connection: one at a time.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = chain.then(work, work);
    chain = run.catch(() => undefined);
    return run;
  };
  const fence = (em: EntityManager) => lease.fence(em);

  const deliver = async (m: OutboxMessage, config: NotifyConfig, stop: AbortSignal): Promise<void> => {
    const channel = config.channels[m.channel];
    const result: AttemptResult = channel
      ? await send(buildRequest(channel, m, config.link, now().getTime()), config.delivery.timeoutMs, stop)
      : { ok: false, httpStatus: null, error: `the channel "${m.channel}" is no longer in the configuration`, ms: 0 };
    // Stopped while waiting on the receiver: not an attempt of the receiver's; the next leader sends it again (same id).
    if (stop.aborted) return;
    const status = await serial(() =>
      recordAttempt(ds, m.id, result, { at: now(), retryInMs: retryDelayMs(m.attempts, config.delivery), maxAttempts: config.delivery.maxAttempts }, fence),
    );
    if (status === 'dead')
      log(`message ${m.id} (${m.kind} ${m.itemId ?? ''} → ${m.audience} by ${m.channel}) DEAD after ${m.attempts + 1} attempt(s): ${result.error}`);
    else if (!result.ok) log(`message ${m.id} by ${m.channel}: attempt ${m.attempts + 1} failed (${result.error}); trying again later`);
  };

  // Periods whose bulletin is known to be in the outbox, and those whose figures failed (said once).
  const bulletinQueued = new Set<string>();
  const bulletinFailed = new Set<string>();
  let bulletinsFrom = Number.MAX_SAFE_INTEGER;
  /**
   * Puts the due monthly and weekly bulletins in the outbox, once per period: each key makes the same ids on any notifier.
   * Answers whether every due period is in the outbox now (false: figures behind or failing, look again next pass).
   */
  const scheduleBulletins = async (config: NotifyConfig, at: Date): Promise<boolean> => {
    const { monthly, weekly } = config.bulletins;
    const m = monthly ? await scheduleBulletin(monthly.channels, dueMonthlyPeriod(monthly, at.getTime()), monthlyBulletinKey, at) : true;
    const w = weekly ? await scheduleBulletin(weekly.channels, dueWeeklyPeriod(weekly, at.getTime()), weeklyBulletinKey, at) : true;
    return m && w;
  };
  const scheduleBulletin = async (channels: string[], period: string | null, keyOf: (period: string) => string, at: Date): Promise<boolean> => {
    if (!options.bulletin || !period || bulletinQueued.has(period)) return true;
    // A county that turns notifications on is not sent the bulletins of periods that had ended.
    if (parseBulletinPeriod(period)!.endMs < bulletinsFrom) {
      bulletinQueued.add(period);
      return true;
    }
    const key = keyOf(period);
    if (await serial(() => scheduledQueued(ds, key))) {
      bulletinQueued.add(period);
      log(`bulletin ${period}: in the outbox already`);
      return true;
    }
    let data: BulletinData | null;
    try {
      data = await serial(() => options.bulletin!(period));
    } catch (e) {
      if (!bulletinFailed.has(period)) log(`bulletin ${period}: figures not available (${(e as Error).message}); trying again`);
      bulletinFailed.add(period);
      return false;
    }
    if (!data) return false;
    const payload = bulletinPayload(data);
    const added = await serial(() =>
      ds.transaction(async (em) => {
        await fence(em);
        return enqueueScheduled(em, {
          key,
          kind: 'bulletin',
          audience: 'county',
          position: BigInt(data.position),
          payload,
          channels,
          now: at,
        });
      }),
    );
    bulletinQueued.add(period);
    if (added) log(`bulletin ${period}: queued for ${channels.join(', ')} (as of ${data.asOf}, log position ${data.position})`);
    return true;
  };

  let purgedAt = Number.NEGATIVE_INFINITY;
  /**
   * Deletes delivered messages older than the retention, a few batches per pass (the rest at the next
   * pass, a second later), then rests PURGE_EVERY_MS. Dead letters and pending messages stay.
   */
  const purge = async (config: NotifyConfig, leading: () => boolean): Promise<void> => {
    const days = config.retention.deliveredDays;
    const at = now().getTime();
    if (days === 0 || at - purgedAt < PURGE_EVERY_MS) return;
    const before = new Date(at - days * DAY_MS);
    let deleted = 0;
    for (let batches = 0; batches < PURGE_BATCHES_PER_PASS && leading(); batches++) {
      const n = await serial(() =>
        ds.transaction(async (em) => {
          await fence(em);
          return purgeDelivered(em, before, PURGE_BATCH);
        }),
      );
      deleted += n;
      if (n < PURGE_BATCH) {
        purgedAt = at;
        break;
      }
    }
    if (deleted) log(`retention: deleted ${deleted} message(s) delivered before ${before.toISOString()} (${days} days), with their attempts`);
  };

  // The configuration whose unit ids were last checked against the tree (each configuration once).
  let unitsChecked: NotifyConfig | null = null;
  const checkRouteUnits = async (config: NotifyConfig): Promise<void> => {
    if (config === unitsChecked) return;
    unitsChecked = config;
    for (const line of await serial(() => unknownRouteUnits(ds, config))) log(`configuration: ${line}`);
  };

  const lead = async (token: bigint): Promise<string> => {
    let leading = true;
    // The tree is checked against once the log is folded up to its head as of the lead's start.
    let treeCurrent = false;
    const { pause: idle, wake: kick } = wakeablePause();
    let subscription: Subscription | null = null;
    let delivering: Promise<void> | null = null;
    const stopSending = new AbortController();
    // Each lead looks at the bulletins once, then at the instants they fall due (bulletin-timer.ts).
    const bulletinTimer = new BulletinTimer();
    let workerFailed!: (e: unknown) => void;
    let workerError: { e: unknown } | null = null;
    const workerFailure = new Promise<never>((_, reject) => (workerFailed = reject));
    workerFailure.catch(() => undefined);
    let lost!: (reason: string) => void;
    const lostLease = new Promise<string>((resolve) => (lost = resolve));
    const heartbeat = setInterval(() => {
      lease.renew().then(
        (ok) => !ok && lost('a renewal found another token'),
        () => undefined,
      );
    }, heartbeatMs);
    wakeLeader = () => kick();
    endLead = lost;
    try {
      const head = await store.headPosition();
      const after = await serial(() =>
        ds.transaction(async (em) => {
          await fence(em);
          await ensureNotifyFrom(em, head);
          bulletinsFrom = await ensureBulletinsFrom(em, now().getTime());
          return notifierCheckpoint(em);
        }),
      );
      const backfilled = await serial(() => backfillUnitTree(ds, store, fence));
      if (backfilled !== null) log(`unit tree: ${backfilled} unit(s) folded from the log up to position ${after} (once, for subtree routes)`);
      state = 'leader';
      log(`leader (lease token ${token}): started after position ${after}`);
      subscription = store.subscribe(
        async (events) => {
          const { messages } = await serial(() =>
            ds.transaction(async (em) => {
              await fence(em);
              return applyNotificationEvents(em, events, options.config(), { contiguous: store.contiguousPositions, now: now() });
            }),
          );
          if (messages) kick();
        },
        { after, batchSize: options.batchSize ?? 500 },
      );
      subscription.caughtUp().then(
        () => {
          treeCurrent = true;
          kick();
        },
        () => undefined,
      );
      // One worker per channel with messages due, each sending its channel's in order: a receiver that hangs
      // until the timeout holds back its own channel, not the others.
      const workers = new Map<string, Promise<void>>();
      const work = async (channel: string) => {
        while (leading) {
          const config = options.config();
          const due = await serial(() => dueMessages(ds, now().getTime(), PASS, channel));
          if (!due.length) return;
          for (const m of due) {
            if (!leading) return;
            await deliver(m, config, stopSending.signal);
          }
        }
      };
      delivering = (async () => {
        try {
          while (leading) {
            // Looks at the configuration file at least once a second: an edit is taken (or refused, logged) while idle too.
            const config = options.config();
            const at = now();
            if (bulletinTimer.due(config.bulletins, at.getTime())) bulletinTimer.checked(config.bulletins, at.getTime(), await scheduleBulletins(config, at));
            await purge(options.config(), () => leading);
            if (treeCurrent) await checkRouteUnits(options.config());
            for (const channel of await serial(() => dueChannels(ds, now().getTime()))) {
              if (!leading) break;
              if (workers.has(channel)) continue;
              // A worker's failure (its fence lost, the database gone) ends the lead like any other, and first
              // stops it: a message whose record was fenced out is not sent again under a lease maybe lost.
              const worker = work(channel)
                .catch((e: unknown) => {
                  leading = false;
                  workerError ??= { e };
                  workerFailed(e);
                })
                .finally(() => {
                  workers.delete(channel);
                  kick();
                });
              workers.set(channel, worker);
            }
            if (!leading) break;
            // Due now means due on a channel whose worker is busy: it calls again when it is done.
            const next = await serial(() => nextDueAt(ds));
            const wait = next === null || next <= now().getTime() ? IDLE_MS : Math.min(IDLE_MS, next - now().getTime());
            await Promise.race([workerFailure, idle(wait)]);
          }
          if (workerError) throw workerError.e;
        } finally {
          await Promise.allSettled(workers.values());
        }
      })();
      const failed = (e: unknown) => (e instanceof LeaseLostError ? 'fenced out (the transaction rolled back)' : Promise.reject(e));
      return await Promise.race([lostLease, subscription.done.then(() => 'stopped', failed), delivering.then(() => 'stopped', failed)]);
    } catch (e) {
      if (e instanceof LeaseLostError) return 'fenced out while starting';
      throw e;
    } finally {
      leading = false;
      stopSending.abort();
      wakeLeader = () => undefined;
      endLead = () => undefined;
      clearInterval(heartbeat);
      kick();
      await subscription?.stop().catch(() => undefined);
      await delivering?.catch(() => undefined);
      await chain;
      state = 'standby';
    }
  };
  let wakeLeader: () => void = () => undefined;
  let endLead: (reason: string) => void = () => undefined;

  const done = (async () => {
    while (!stopped) {
      let token: bigint | null;
      try {
        token = await lease.tryAcquire();
      } catch {
        token = null;
      }
      if (token === null) {
        await pause(pollMs);
        continue;
      }
      const reason = await lead(token);
      if (!stopped) log(`standby: lease lost: ${reason}`);
    }
  })();
  done.catch(() => undefined);

  return {
    get state() {
      return state;
    },
    wake: () => wakeLeader(),
    stop: async () => {
      stopped = true;
      endLead('stopped');
      wake();
      await done.catch(() => undefined);
      await lease.release().catch(() => undefined);
    },
    done,
  };
}
