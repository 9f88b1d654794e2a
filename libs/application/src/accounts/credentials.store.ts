import type { LedgerConfig } from '@ledger/platform';
import { CredentialsDb } from './credentials-db';
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

/** An API key for scripts (`ledger token --account`), bound to an account; the secret is never stored. */
export interface ApiKeyRecord {
  keyId: string;
  accountId: string;
  /** The role it acts with (one the account must still hold at use); null: the account's first role. */
  role: string | null;
  name: string | null;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

const KEY_COLUMNS = '"keyId", "accountId", "role", "name", "createdAt", "createdBy", "expiresAt", "revokedAt", "revokedBy"';
const keyOf = (r: Record<string, unknown>): ApiKeyRecord => ({
  keyId: String(r.keyId),
  accountId: String(r.accountId),
  role: (r.role as string | null) ?? null,
  name: (r.name as string | null) ?? null,
  createdAt: String(r.createdAt),
  createdBy: String(r.createdBy),
  expiresAt: (r.expiresAt as string | null) ?? null,
  revokedAt: (r.revokedAt as string | null) ?? null,
  revokedBy: (r.revokedBy as string | null) ?? null,
});

/**
 * The credentials table: password hashes, rewritten in place, never in an event (the ledger records
 * only that a password was set). `<dataDir>/credentials.sqlite` (mode 0600), or the table
 * `api_credentials` in LEDGER_READ_DB_URL's PostgreSQL when that is set. Not a read model: a rebuild
 * never touches it. Opened on first use.
 */
export class CredentialsStore {
  private readonly db: CredentialsDb;

  constructor(config: Pick<LedgerConfig, 'dataDir' | 'readDbUrl'>) {
    this.db = new CredentialsDb(config, [
      'CREATE TABLE IF NOT EXISTS "api_credentials" ("accountId" varchar(64) PRIMARY KEY NOT NULL, "hash" varchar(200) NOT NULL, "history" text NOT NULL, "mustChange" integer NOT NULL, "failedAttempts" integer NOT NULL, "lockedUntil" varchar(40), "updatedAt" varchar(40) NOT NULL)',
      'CREATE TABLE IF NOT EXISTS "api_keys" ("keyId" varchar(32) PRIMARY KEY NOT NULL, "accountId" varchar(64) NOT NULL, "secretHash" varchar(64) NOT NULL, "role" varchar(20), "name" varchar(200), "createdAt" varchar(40) NOT NULL, "createdBy" varchar(200) NOT NULL, "expiresAt" varchar(40), "revokedAt" varchar(40), "revokedBy" varchar(200))',
    ]);
  }

  private query<T>(sql: string, params: unknown[]): Promise<T> {
    return this.db.query<T>(sql, params);
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
    if (until === null)
      await this.query('UPDATE "api_credentials" SET "lockedUntil" = NULL, "failedAttempts" = 0, "updatedAt" = ? WHERE "accountId" = ?', [now, accountId]);
    else await this.query('UPDATE "api_credentials" SET "lockedUntil" = ?, "updatedAt" = ? WHERE "accountId" = ?', [until, now, accountId]);
  }

  /** Records an API key (its secret only as a SHA-256: a 256-bit random secret needs no slow hash). */
  async createKey(key: Omit<ApiKeyRecord, 'revokedAt' | 'revokedBy'> & { secretHash: string }): Promise<void> {
    await this.query(
      'INSERT INTO "api_keys" ("keyId", "accountId", "secretHash", "role", "name", "createdAt", "createdBy", "expiresAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [key.keyId, key.accountId, key.secretHash, key.role, key.name, key.createdAt, key.createdBy, key.expiresAt],
    );
  }

  async getKey(keyId: string): Promise<(ApiKeyRecord & { secretHash: string }) | null> {
    const rows = await this.query<Array<Record<string, unknown>>>(`SELECT ${KEY_COLUMNS}, "secretHash" FROM "api_keys" WHERE "keyId" = ?`, [keyId]);
    return rows[0] ? { ...keyOf(rows[0]), secretHash: String(rows[0].secretHash) } : null;
  }

  /** An account's keys, oldest first; never their secrets. */
  async listKeys(accountId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.query<Array<Record<string, unknown>>>(`SELECT ${KEY_COLUMNS} FROM "api_keys" WHERE "accountId" = ? ORDER BY "createdAt", "keyId"`, [
      accountId,
    ]);
    return rows.map(keyOf);
  }

  /** Revokes a key not yet revoked; answers whether it did. */
  async revokeKey(keyId: string, by: string, now: string): Promise<boolean> {
    await this.query('UPDATE "api_keys" SET "revokedAt" = ?, "revokedBy" = ? WHERE "keyId" = ? AND "revokedAt" IS NULL', [now, by, keyId]);
    return (await this.getKey(keyId))?.revokedBy === by;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
