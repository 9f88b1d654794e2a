import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LedgerConfig } from '@ledger/platform';
import { DataSource } from 'typeorm';
import { hashPassword, verifyPassword } from './password-hash';

/** How many passwords (the current one included) a new password may not repeat. */
export const PASSWORD_HISTORY = 5;

export interface CredentialRecord {
  accountId: string;
  /** PHC-like scrypt string (password-hash.ts). */
  hash: string;
  /** The last PASSWORD_HISTORY hashes, newest (the current one) first. */
  history: string[];
  /** An initial or reset password: the holder must change it at the next sign-in. */
  mustChange: boolean;
  failedAttempts: number;
  /** ISO instant until which sign-in is refused after failed attempts; null when not locked out. */
  lockedUntil: string | null;
  updatedAt: string;
}

/**
 * The credentials table: password hashes, rewritten in place, never in an event (the ledger records
 * only that a password was set). `<dataDir>/credentials.sqlite` (mode 0600), or the table
 * `api_credentials` in LEDGER_READ_DB_URL's PostgreSQL when that is set. Not a read model: a rebuild
 * never touches it. Opened on first use.
 */
export class CredentialsStore {
  private ds: Promise<DataSource> | null = null;

  constructor(private readonly config: Pick<LedgerConfig, 'dataDir' | 'readDbUrl'>) {}

  private open(): Promise<DataSource> {
    this.ds ??= (async () => {
      let ds: DataSource;
      if (this.config.readDbUrl) {
        ds = new DataSource({ type: 'postgres', url: this.config.readDbUrl, entities: [] });
      } else {
        fs.mkdirSync(this.config.dataDir, { recursive: true });
        const file = path.join(this.config.dataDir, 'credentials.sqlite');
        fs.closeSync(fs.openSync(file, 'a', 0o600));
        ds = new DataSource({
          type: 'better-sqlite3',
          database: file,
          entities: [],
          prepareDatabase: (db: { pragma(s: string): unknown }) => {
            db.pragma('journal_mode = WAL');
            db.pragma('busy_timeout = 5000');
            db.pragma('synchronous = FULL');
          },
        });
      }
      await ds.initialize();
      try {
        await ds.query(
          'CREATE TABLE IF NOT EXISTS "api_credentials" ("accountId" varchar(64) PRIMARY KEY NOT NULL, "hash" varchar(200) NOT NULL, "history" text NOT NULL, "mustChange" integer NOT NULL, "failedAttempts" integer NOT NULL, "lockedUntil" varchar(40), "updatedAt" varchar(40) NOT NULL)',
        );
      } catch (e) {
        // Two API instances creating it at once on PostgreSQL.
        const code = (e as { code?: string }).code;
        if (code !== '23505' && code !== '42P07') throw e;
      }
      return ds;
    })();
    return this.ds;
  }

  private async query<T>(sql: string, params: unknown[]): Promise<T> {
    const ds = await this.open();
    const pg = ds.options.type === 'postgres';
    let n = 0;
    return ds.query(pg ? sql.replace(/\?/g, () => `$${++n}`) : sql, params) as Promise<T>;
  }

  async get(accountId: string): Promise<CredentialRecord | null> {
    const rows = await this.query<Array<Record<string, unknown>>>(
      'SELECT "accountId", "hash", "history", "mustChange", "failedAttempts", "lockedUntil", "updatedAt" FROM "api_credentials" WHERE "accountId" = ?',
      [accountId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      accountId: String(r.accountId),
      hash: String(r.hash),
      history: JSON.parse(String(r.history)) as string[],
      mustChange: Number(r.mustChange) === 1,
      failedAttempts: Number(r.failedAttempts),
      lockedUntil: (r.lockedUntil as string | null) ?? null,
      updatedAt: String(r.updatedAt),
    };
  }

  /** Sets a password (hashed here), pushing it onto the history; clears failed attempts and lock-out. */
  async setPassword(accountId: string, password: string, options: { mustChange: boolean; now: string }): Promise<void> {
    const hash = await hashPassword(password);
    const before = await this.get(accountId);
    const history = [hash, ...(before?.history ?? [])].slice(0, PASSWORD_HISTORY);
    await this.query(
      `INSERT INTO "api_credentials" ("accountId", "hash", "history", "mustChange", "failedAttempts", "lockedUntil", "updatedAt") VALUES (?, ?, ?, ?, 0, NULL, ?)
       ON CONFLICT ("accountId") DO UPDATE SET "hash" = excluded."hash", "history" = excluded."history", "mustChange" = excluded."mustChange", "failedAttempts" = 0, "lockedUntil" = NULL, "updatedAt" = excluded."updatedAt"`,
      [accountId, hash, JSON.stringify(history), options.mustChange ? 1 : 0, options.now],
    );
  }

  /** Whether `password` is the account's current password. False for an account without one. */
  async verify(accountId: string, password: string): Promise<boolean> {
    const record = await this.get(accountId);
    return record !== null && verifyPassword(password, record.hash);
  }

  /** Whether `password` is one of the last PASSWORD_HISTORY passwords (the policy refuses those). */
  async usedRecently(accountId: string, password: string): Promise<boolean> {
    const record = await this.get(accountId);
    for (const hash of record?.history ?? []) if (await verifyPassword(password, hash)) return true;
    return false;
  }

  /** Counts a failed sign-in; answers the count so far. */
  async recordFailure(accountId: string, now: string): Promise<number> {
    await this.query('UPDATE "api_credentials" SET "failedAttempts" = "failedAttempts" + 1, "updatedAt" = ? WHERE "accountId" = ?', [now, accountId]);
    return (await this.get(accountId))?.failedAttempts ?? 0;
  }

  async setLockedUntil(accountId: string, until: string | null, now: string): Promise<void> {
    // Unlocked: the failed attempts start again from none.
    if (until === null) await this.query('UPDATE "api_credentials" SET "lockedUntil" = NULL, "failedAttempts" = 0, "updatedAt" = ? WHERE "accountId" = ?', [now, accountId]);
    else await this.query('UPDATE "api_credentials" SET "lockedUntil" = ?, "updatedAt" = ? WHERE "accountId" = ?', [until, now, accountId]);
  }

  async close(): Promise<void> {
    const ds = this.ds;
    this.ds = null;
    if (ds) {
      const open = await ds.catch(() => null);
      if (open?.isInitialized) await open.destroy();
    }
  }
}
