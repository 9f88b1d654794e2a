import * as path from 'node:path';
import { PostgresAccessAuditStore, SqliteAccessAuditStore, type AccessAuditStore } from './access-audit-store';
import type { AccessEntryInput } from './access-chain';

/** What decides where the trail lives (a LedgerConfig satisfies it). */
export interface AccessAuditLocationConfig {
  dataDir: string;
  eventStore: 'sqlite' | 'postgres' | 'eventstoredb';
  eventStoreUrl: string | null;
  readDbUrl: string | null;
  sqliteSynchronous?: 'FULL' | 'NORMAL';
}

/**
 * Where a county keeps (and backs up) the ledger: with the event store. SQLite: its own file in the
 * data folder; PostgreSQL: the event store's database. EventStoreDB has no table of ours, so there
 * the read-model PostgreSQL (which already keeps the idempotency records), else the data folder.
 */
export function accessAuditLocation(config: AccessAuditLocationConfig): { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string } {
  if (config.eventStore === 'postgres' && config.eventStoreUrl) return { kind: 'postgres', url: config.eventStoreUrl };
  if (config.eventStore === 'eventstoredb' && config.readDbUrl) return { kind: 'postgres', url: config.readDbUrl };
  return { kind: 'sqlite', file: path.join(config.dataDir, 'access-audit.sqlite') };
}

export async function openAccessAuditStore(config: AccessAuditLocationConfig, options: { readOnly?: boolean } = {}): Promise<AccessAuditStore> {
  const where = accessAuditLocation(config);
  if (where.kind === 'postgres') return PostgresAccessAuditStore.open(where.url);
  return SqliteAccessAuditStore.open(where.file, { synchronous: config.sqliteSynchronous, readOnly: options.readOnly });
}

/**
 * The trail for reading only (ledger verify): nothing is created; null when there is none yet (a data
 * folder or database from before the trail existed).
 */
export async function openAccessAuditForReading(config: AccessAuditLocationConfig, sqliteFile?: string): Promise<AccessAuditStore | null> {
  const where = accessAuditLocation(config);
  if (where.kind === 'postgres') return PostgresAccessAuditStore.openExisting(where.url);
  const file = sqliteFile ?? where.file;
  return SqliteAccessAuditStore.exists(file) ? SqliteAccessAuditStore.open(file, { readOnly: true }) : null;
}

export const DEFAULT_ACCESS_AUDIT_RETENTION_DAYS = 180;
const MAX_BATCH = 500;

interface Pending {
  entry: AccessEntryInput & { at: string };
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The recorder every part of the API (and a later sign-in slice) records through:
 * `await audit.record({ actor, address, action, target, outcome, status, detail })`.
 *
 * Written before the answer goes out (the caller awaits it): an answered request whose entry a crash
 * lost is exactly what an audit trail must not have, and an asynchronous queue would lose whatever it
 * held. The cost is made small by group commit: the entries recorded while a batch commits go
 * together in the next transaction, one commit (one fsync) for all of them.
 */
export class AccessAudit {
  private pending: Pending[] = [];
  private scheduled = false;
  private writing: Promise<void> | null = null;
  private closed = false;

  constructor(
    readonly store: AccessAuditStore,
    private readonly clock: { now(): Date },
    readonly retentionDays: number = DEFAULT_ACCESS_AUDIT_RETENTION_DAYS,
  ) {}

  record(input: AccessEntryInput): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the access audit is closed'));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ entry: { ...input, at: this.clock.now().toISOString() }, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    // setImmediate: the entries of every request answered in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.writing = this.flush().finally(() => {
        this.writing = null;
        if (this.pending.length) this.schedule();
      });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, MAX_BATCH);
    if (!batch.length) return;
    try {
      await this.store.append(batch.map((p) => p.entry));
      for (const p of batch) p.resolve();
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }

  /** Prunes what is older than the retention (LEDGER_AUDIT_RETENTION_DAYS), keeping the chain verifiable. */
  async prune(): Promise<{ pruned: number; through: number }> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - this.retentionDays * 86_400_000).toISOString();
    return this.store.prune(cutoff, now.toISOString(), this.retentionDays);
  }

  /** Writes what is queued, then closes the store. */
  async close(): Promise<void> {
    this.closed = true;
    // The scheduler drains the queue by itself; wait for it.
    while (this.pending.length || this.writing || this.scheduled) {
      if (this.writing) await this.writing.catch(() => undefined);
      else await new Promise((r) => setImmediate(r));
    }
    await this.store.close();
  }
}
