import type { DataSource, EntityManager } from 'typeorm';
import { isPostgres } from '../db/sql';

/**
 * Which projector process applies the read models. Several may run against one store and one read
 * database (failover); one lease row in the read database says who leads, until when, and with which
 * fencing token.
 *
 * - Acquire: `UPDATE … SET holder = me, token = token + 1 … WHERE the lease is free or expired`.
 *   Expiry is measured with the database's clock, so projector hosts need not agree on the time.
 * - Heartbeat: the leader renews the expiry every ttl/3; every batch renews it too (the fence).
 * - Fence: the first statement of every batch transaction (after, on PostgreSQL, a SET LOCAL of the
 *   idle-in-transaction timeout) is `UPDATE … WHERE token = mine`. No row →
 *   LeaseLostError, the transaction rolls back and nothing of the batch is visible. The update also
 *   locks the lease row until the batch commits, so batch transactions of two processes (and a
 *   takeover) are serialised through it, and the checkpoint the batch then reads is the committed
 *   one: a stale leader that wakes up late cannot apply anything, and no batch is applied twice.
 *
 * The table is operational state, not a read model: a rebuild leaves it alone, dumps do not list it.
 * It is created here with idempotent DDL (under an advisory lock on PostgreSQL).
 */
export const LEASE_TABLE = 'rm_projector_lease';
export const READ_MODELS_LEASE = 'read-models';

export class LeaseLostError extends Error {
  constructor(
    readonly leaseName: string,
    readonly token: bigint,
  ) {
    super(`the projection lease "${leaseName}" (token ${token}) is no longer ours: another projector took over`);
    this.name = 'LeaseLostError';
  }
}

export interface LeaseOptions {
  /** The lease's row: one per projection (default: the read models' one). */
  name?: string;
  /** Who holds it, as shown in logs and /health/ready: host/pid/random. */
  holder: string;
  /** How long a lease lasts without renewal; another process takes over after it. */
  ttlMs: number;
}

export interface LeaseState {
  name: string;
  holder: string | null;
  token: string;
  /** Milliseconds until it expires by the database's clock (negative: expired). */
  expiresInMs: number;
  acquiredAt: string | null;
}

/** Milliseconds since 1970 by the database's clock. */
function nowSql(pg: boolean): string {
  return pg ? `(extract(epoch from clock_timestamp()) * 1000)::bigint` : `CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)`;
}

/** Rows from an UPDATE … RETURNING, whatever shape the driver gives them in. */
function returned(result: unknown): Array<Record<string, unknown>> {
  // TypeORM's postgres driver answers [rows, affected] for UPDATE; better-sqlite3 answers rows.
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0];
  return Array.isArray(result) ? result : [];
}

export async function ensureLeaseTable(ds: DataSource): Promise<void> {
  const pg = isPostgres(ds);
  const ddl =
    `CREATE TABLE IF NOT EXISTS "${LEASE_TABLE}" (` +
    `"name" varchar(64) PRIMARY KEY, "holder" varchar(200), "token" bigint NOT NULL DEFAULT 0, ` +
    `"acquired_at" bigint NOT NULL DEFAULT 0, "expires_at" bigint NOT NULL DEFAULT 0)`;
  if (!pg) {
    await ds.query(ddl);
    return;
  }
  // Concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalogue: one at a time.
  await ds.transaction(async (em) => {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext('${LEASE_TABLE}'))`);
    await em.query(ddl);
  });
}

export class ProjectionLease {
  readonly name: string;
  private held: bigint | null = null;
  private readonly pg: boolean;
  private readonly p: (i: number) => string;

  private constructor(
    private readonly ds: DataSource,
    readonly options: LeaseOptions,
  ) {
    this.name = options.name ?? READ_MODELS_LEASE;
    this.pg = isPostgres(ds);
    this.p = (i) => (this.pg ? `$${i}` : '?');
  }

  /** `ds` is used for acquiring, renewing and releasing: give it a connection apart from the batches'. */
  static async open(ds: DataSource, options: LeaseOptions): Promise<ProjectionLease> {
    await ensureLeaseTable(ds);
    const lease = new ProjectionLease(ds, options);
    await ds.query(
      `INSERT INTO "${LEASE_TABLE}" ("name", "holder", "token", "acquired_at", "expires_at") VALUES (${lease.p(1)}, NULL, 0, 0, 0) ON CONFLICT ("name") DO NOTHING`,
      [lease.name],
    );
    return lease;
  }

  /** The fencing token while held, else null. */
  get token(): bigint | null {
    return this.held;
  }

  /** Takes the lease if it is free or expired; returns the new fencing token, or null. */
  async tryAcquire(): Promise<bigint | null> {
    const now = nowSql(this.pg);
    const rows = returned(
      await this.ds.query(
        `UPDATE "${LEASE_TABLE}" SET "holder" = ${this.p(1)}, "token" = "token" + 1, "acquired_at" = ${now}, "expires_at" = ${now} + ${this.p(2)} ` +
          `WHERE "name" = ${this.p(3)} AND ("holder" IS NULL OR "expires_at" < ${now}) RETURNING "token"`,
        [this.options.holder, this.options.ttlMs, this.name],
      ),
    );
    this.held = rows.length ? BigInt(String(rows[0].token)) : null;
    return this.held;
  }

  /** Extends the expiry; false when the lease is no longer ours (then it is forgotten). */
  async renew(): Promise<boolean> {
    if (this.held === null) return false;
    const ok = await this.renewWith(this.ds, this.held);
    if (!ok) this.held = null;
    return ok;
  }

  /**
   * The first statement of a batch transaction: renews the lease under the row lock, or throws
   * LeaseLostError (the caller's transaction then rolls back).
   */
  async fence(em: EntityManager): Promise<void> {
    const token = this.held;
    // A leader paused inside a batch (SIGSTOP, a frozen VM) must not hold the row lock for ever:
    // the server ends a transaction idle for longer than the lease, and the others can take over.
    // Set by the UPDATE itself before it takes the lock (no pause between the two can keep it held),
    // in the same round trip: each is a wait for a core on a busy machine, and a batch has ten.
    const idleMs = this.pg ? Math.max(1000, Math.round(this.options.ttlMs)) : undefined;
    if (token === null || !(await this.renewWith(em, token, idleMs))) {
      this.held = null;
      throw new LeaseLostError(this.name, token ?? -1n);
    }
  }

  /** Hands the lease back at once (a graceful stop): a standby takes over at its next poll. */
  async release(): Promise<void> {
    const token = this.held;
    this.held = null;
    if (token === null) return;
    await this.ds.query(`UPDATE "${LEASE_TABLE}" SET "holder" = NULL, "expires_at" = 0 WHERE "name" = ${this.p(1)} AND "token" = ${this.p(2)}`, [
      this.name,
      token.toString(),
    ]);
  }

  /** `idleMs` (PostgreSQL): SET LOCAL idle_in_transaction_session_timeout, evaluated before the row is locked. */
  private async renewWith(q: DataSource | EntityManager, token: bigint, idleMs?: number): Promise<boolean> {
    const now = nowSql(this.pg);
    const params: unknown[] = [this.options.ttlMs, this.name, token.toString()];
    let sql = `UPDATE "${LEASE_TABLE}" SET "expires_at" = ${now} + ${this.p(1)} WHERE "name" = ${this.p(2)} AND "token" = ${this.p(3)}`;
    if (idleMs !== undefined) {
      // A volatile CTE is not inlined: set_config runs once, as the filter's init plan, before any row is locked.
      sql = `WITH "idle" AS (SELECT set_config('idle_in_transaction_session_timeout', $4, true) AS "v") ${sql} AND EXISTS (SELECT 1 FROM "idle")`;
      params.push(String(idleMs));
    }
    const rows = returned(await q.query(`${sql} RETURNING "token"`, params));
    return rows.length > 0;
  }
}

/** Who leads a projection, read with the database's clock (for /health/ready and operators). */
export async function readLease(ds: DataSource, name = READ_MODELS_LEASE): Promise<LeaseState | null> {
  const pg = isPostgres(ds);
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await ds.query(
      `SELECT "name", "holder", "token", "acquired_at", "expires_at" - ${nowSql(pg)} AS "left" FROM "${LEASE_TABLE}" WHERE "name" = ${pg ? '$1' : '?'}`,
      [name],
    );
  } catch {
    return null; // no projector with a lease has run against this database yet
  }
  if (!rows.length) return null;
  const r = rows[0];
  return {
    name,
    holder: (r.holder as string | null) ?? null,
    token: String(r.token),
    expiresInMs: Number(r.left),
    acquiredAt: Number(r.acquired_at) > 0 ? new Date(Number(r.acquired_at)).toISOString() : null,
  };
}
