import { performance } from 'node:perf_hooks';
import type { LedgerConfig } from '@ledger/platform';
import { readLease, type LeaseState } from '@ledger/read-models/lease';
import type { DataSource } from 'typeorm';

export interface ProjectorTrouble {
  code: 'PROJECTOR_ABSENT' | 'PROJECTOR_BEHIND';
  detail: string;
  lease?: LeaseState;
}

/**
 * Whether a projector is following the log, for /health/ready. Two signs, each tolerated for
 * LEDGER_READY_GRACE_SECONDS: nobody holds the projection lease (its holder released it or stopped
 * renewing it: a projector process died or was stopped), or the lag stays above LEDGER_READY_MAX_LAG
 * (a projector that holds the lease but is stuck or cannot keep up). Where no projector ever took the
 * lease (the projector in the API's own process, or none yet), only the lag counts.
 *
 * Durations are measured on this process's monotonic clock between probes, and, for an expired lease,
 * from its expiry by the database's clock: a probe after a long silence still sees a lease long gone.
 */
export class ProjectorWatch {
  private absentSince: number | null = null;
  private behindSince: number | null = null;
  private readonly graceMs: number;

  constructor(
    private readonly readModels: DataSource,
    private readonly config: Pick<LedgerConfig, 'readyMaxLag' | 'readyGraceSeconds'>,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.graceMs = config.readyGraceSeconds * 1000;
  }

  async check(lag: bigint): Promise<ProjectorTrouble | null> {
    const now = this.now();
    const lease = await readLease(this.readModels);
    const absent = lease !== null && (lease.holder === null || lease.expiresInMs < 0);
    if (!absent) this.absentSince = null;
    else {
      this.absentSince ??= now;
      // An expired lease has been absent since its expiry, whoever was looking.
      const since = lease.holder !== null ? Math.min(this.absentSince, now + lease.expiresInMs) : this.absentSince;
      if (now - since >= this.graceMs) {
        const who =
          lease.holder === null ? 'its last holder released it' : `${lease.holder} stopped renewing it ${Math.round(-lease.expiresInMs / 1000)} s ago`;
        return {
          code: 'PROJECTOR_ABSENT',
          detail: `no projector holds the projection lease (${who}); the read models do not follow the log (lag ${lag})`,
          lease,
        };
      }
    }
    if (lag <= BigInt(this.config.readyMaxLag)) this.behindSince = null;
    else {
      this.behindSince ??= now;
      if (now - this.behindSince >= this.graceMs) {
        return {
          code: 'PROJECTOR_BEHIND',
          detail: `the read models are ${lag} events behind the log, above LEDGER_READY_MAX_LAG=${this.config.readyMaxLag} for ${Math.round((now - this.behindSince) / 1000)} s: the projector is stalled or cannot keep up`,
          ...(lease ? { lease } : {}),
        };
      }
    }
    return null;
  }
}
