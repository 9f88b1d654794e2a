import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError, type DataSource } from 'typeorm';
import { isStorageFull, type EventStore } from '@ledger/event-store';
import { startProjector, type ProjectorOptions, type RunningProjector } from '../projection/runner';
import { LeaseLostError, ProjectionLease, type LeaseOptions } from './lease';
import { wakeablePause } from './pause';

export type LeaderState = 'standby' | 'leader';

/** PostgreSQL error classes and codes that mean "this session is gone", not "this batch is wrong". */
const SESSION_ENDED_CODES = new Set(['25P03', '57P01', '57P02', '57P03', '57P05', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

/**
 * The batch's database connection was lost (the server ended its transaction after a pause, a restart,
 * a reset socket): the transaction rolled back, nothing is wrong with the events or the read models.
 */
export function isConnectionLost(e: unknown): boolean {
  if (e instanceof QueryRunnerAlreadyReleasedError || e instanceof QueryRunnerProviderAlreadyReleasedError) return true;
  if (!(e instanceof Error)) return false;
  const err = e as Error & { code?: unknown; driverError?: { code?: unknown } };
  const code = String(err.code ?? err.driverError?.code ?? '');
  if (SESSION_ENDED_CODES.has(code) || code.startsWith('08')) return true;
  return /Connection terminated|not queryable|terminating connection/i.test(err.message);
}

export interface LeasedProjectorOptions extends Omit<ProjectorOptions, 'fence'>, LeaseOptions {
  /** Every change of state, for the process log: standby ↔ leader (with the fencing token). */
  onState?: (state: LeaderState, detail: { token: bigint | null; checkpoint: bigint | null; reason?: string }) => void;
}

export interface LeasedProjector {
  readonly state: LeaderState;
  readonly token: bigint | null;
  /** The running projector while leading. */
  readonly projector: RunningProjector | null;
  /** Stops applying, hands the lease back. */
  stop(): Promise<void>;
  /** Rejects on a failure other than losing the lease (a bad event, the database gone for good …). */
  readonly done: Promise<void>;
}

/**
 * A projector that applies only while it holds the projection lease: standby processes poll for it
 * (every ttl/4) and take over when it expires; the leader renews it every ttl/3 and with every batch.
 * Losing it (a renewal or a batch's fence finds another token) stops the projector and returns to
 * standby; the batch in flight, if any, rolls back.
 *
 * `projectorDs` runs the batches; `leaseDs` is a connection of its own for acquiring and renewing
 * (a renewal must not run inside an open batch transaction, which on SQLite shares one connection).
 */
export async function startLeasedProjector(
  projectorDs: DataSource,
  leaseDs: DataSource,
  store: EventStore,
  options: LeasedProjectorOptions,
): Promise<LeasedProjector> {
  const lease = await ProjectionLease.open(leaseDs, options);
  const pollMs = Math.max(50, Math.round(options.ttlMs / 4));
  const heartbeatMs = Math.max(50, Math.round(options.ttlMs / 3));
  let state: LeaderState = 'standby';
  let projector: RunningProjector | null = null;
  let stopped = false;
  const { pause, wake } = wakeablePause();

  /**
   * Why a start or a batch failed, as a reason to stand by; rethrows a real failure. After a pause
   * (SIGSTOP, a frozen VM) the first thing a woken leader sees is often not its fence but its own
   * transaction ended by the server (idle_in_transaction_session_timeout), whatever it was doing:
   * - another projector took the lease over: step down, it goes on from the committed checkpoint;
   * - the read database's disk is full: the batch rolled back; hand the lease back (when the full disk
   *   lets us) and stand by: the next poll tries again, and the projector goes on once space is freed;
   * - the lease is still ours but the connection was lost: the batch rolled back; hand the lease back
   *   and stand by (this process or another takes it again at once and goes on from the checkpoint);
   * - anything else (a bad event, a schema error) while the lease is ours is a real failure.
   */
  const failed = async (e: unknown, fencedOut: string, what: string): Promise<string> => {
    if (e instanceof LeaseLostError) return fencedOut;
    const message = e instanceof Error ? e.message : String(e);
    // Before the renewal, which the full disk may fail too and which would then read as a lost lease.
    if (isStorageFull(e)) {
      await lease.release().catch(() => undefined);
      // SQLite rolls the batch back by itself on SQLITE_FULL; TypeORM's own ROLLBACK then fails and its
      // query runner goes on believing a transaction is open, so that every later batch would nest in
      // it and never commit. A fresh connection (at the next lead) forgets that.
      await projectorDs.destroy().catch(() => undefined);
      return `${what} found the read database's disk full (${message}); the lease handed back, trying again`;
    }
    const ours = await lease.renew().catch(() => false);
    if (!ours) return `${what} failed (${message}) and the lease is no longer ours`;
    if (isConnectionLost(e)) {
      await lease.release().catch(() => undefined);
      return `${what} lost its database connection (${message}); the lease handed back`;
    }
    throw e;
  };

  /** Leads until the lease is lost (resolves with the reason) or a batch fails otherwise (rejects). */
  const lead = async (token: bigint): Promise<string> => {
    let running: RunningProjector;
    try {
      if (!projectorDs.isInitialized) await projectorDs.initialize();
      running = await startProjector(projectorDs, store, { ...options, fence: (em) => lease.fence(em) });
    } catch (e) {
      return failed(e, 'fenced out while starting', 'starting');
    }
    projector = running;
    state = 'leader';
    options.onState?.('leader', { token, checkpoint: running.position });
    let lost: ((reason: string) => void) | null = null;
    const lostByHeartbeat = new Promise<string>((resolve) => (lost = resolve));
    const heartbeat = setInterval(() => {
      lease.renew().then(
        (ok) => !ok && lost?.('a renewal found another token'),
        () => undefined, // the database unreachable for a moment: the next beat or the fence decides
      );
    }, heartbeatMs);
    try {
      const reason = await Promise.race([
        lostByHeartbeat,
        running.done.then(
          () => 'stopped',
          (e: unknown) => failed(e, 'a batch was fenced out (rolled back)', 'a batch'),
        ),
      ]);
      return reason;
    } finally {
      clearInterval(heartbeat);
      await running.stop().catch(() => undefined);
      projector = null;
    }
  };

  const done = (async () => {
    while (!stopped) {
      let token: bigint | null;
      try {
        token = await lease.tryAcquire();
      } catch {
        token = null; // the read database unreachable: keep polling
      }
      if (token === null) {
        await pause(pollMs);
        continue;
      }
      const reason = await lead(token);
      if (stopped) break;
      state = 'standby';
      options.onState?.('standby', { token: null, checkpoint: null, reason: `lease lost: ${reason}` });
    }
  })();
  done.catch(() => undefined);

  return {
    get state() {
      return state;
    },
    get token() {
      return lease.token;
    },
    get projector() {
      return projector;
    },
    stop: async () => {
      stopped = true;
      wake();
      await projector?.stop();
      await done.catch(() => undefined);
      await lease.release().catch(() => undefined);
    },
    done,
  };
}
