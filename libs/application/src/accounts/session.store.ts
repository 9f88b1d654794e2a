import * as crypto from 'node:crypto';
import type { LedgerConfig } from '@ledger/platform';
import { CredentialsDb } from './credentials-db';

/** How the session was opened: the forced change of an initial or reset password is for password sign-ins only. */
export type SignInMethod = 'password' | 'oidc';

export type SessionEnd = 'sign-out' | 'idle' | 'expired' | 'locked' | 'password-reset' | 'password-changed' | 'closed';

export interface SessionRecord {
  id: string;
  accountId: string;
  /** The account's role this session acts with (a token carries one). */
  role: string;
  method: SignInMethod;
  /** SHA-256 (hex) of the refresh secret the cookie holds: the table alone lets no one refresh. */
  secretHash: string;
  /** SHA-256 of the password hash at sign-in: a password set elsewhere (the CLI) ends the session. */
  credential: string;
  createdAt: string;
  lastUsedAt: string;
  /** The absolute end (LEDGER_SESSION_MAX_HOURS after sign-in). */
  expiresAt: string;
  endedAt: string | null;
  endReason: SessionEnd | null;
}

export const sha256 = (text: string): string => crypto.createHash('sha256').update(text).digest('hex');

/**
 * Server-side sessions (issue 16): `api_sessions` beside `api_credentials`, in credentials.sqlite or
 * LEDGER_READ_DB_URL's PostgreSQL, so every API instance sees a sign-out at once. Not a read model.
 */
export class SessionStore {
  private readonly db: CredentialsDb;

  constructor(config: Pick<LedgerConfig, 'dataDir' | 'readDbUrl'>) {
    this.db = new CredentialsDb(config, [
      'CREATE TABLE IF NOT EXISTS "api_sessions" ("id" varchar(64) PRIMARY KEY NOT NULL, "accountId" varchar(64) NOT NULL, "role" varchar(20) NOT NULL, "secretHash" varchar(64) NOT NULL, "credential" varchar(64) NOT NULL, "createdAt" varchar(40) NOT NULL, "lastUsedAt" varchar(40) NOT NULL, "expiresAt" varchar(40) NOT NULL, "endedAt" varchar(40), "endReason" varchar(20), "method" varchar(10) NOT NULL DEFAULT \'password\')',
      'CREATE INDEX IF NOT EXISTS "api_sessions_account" ON "api_sessions" ("accountId")',
      // A table made before sessions knew how they were opened: its sessions were password ones.
      'ALTER TABLE "api_sessions" ADD COLUMN "method" varchar(10) NOT NULL DEFAULT \'password\'',
    ]);
  }

  private query<T>(sql: string, params: unknown[]): Promise<T> {
    return this.db.query<T>(sql, params);
  }

  async create(record: Omit<SessionRecord, 'endedAt' | 'endReason'>): Promise<void> {
    await this.query(
      'INSERT INTO "api_sessions" ("id", "accountId", "role", "method", "secretHash", "credential", "createdAt", "lastUsedAt", "expiresAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [record.id, record.accountId, record.role, record.method, record.secretHash, record.credential, record.createdAt, record.lastUsedAt, record.expiresAt],
    );
  }

  async get(id: string): Promise<SessionRecord | null> {
    const rows = await this.query<Array<Record<string, unknown>>>('SELECT * FROM "api_sessions" WHERE "id" = ?', [id]);
    const r = rows[0];
    if (!r) return null;
    return {
      id: String(r.id),
      accountId: String(r.accountId),
      role: String(r.role),
      method: r.method === 'oidc' ? 'oidc' : 'password',
      secretHash: String(r.secretHash),
      credential: String(r.credential),
      createdAt: String(r.createdAt),
      lastUsedAt: String(r.lastUsedAt),
      expiresAt: String(r.expiresAt),
      endedAt: (r.endedAt as string | null) ?? null,
      endReason: (r.endReason as SessionEnd | null) ?? null,
    };
  }

  async touch(id: string, at: string): Promise<void> {
    await this.query('UPDATE "api_sessions" SET "lastUsedAt" = ? WHERE "id" = ? AND "endedAt" IS NULL', [at, id]);
  }

  async setCredential(id: string, credential: string): Promise<void> {
    await this.query('UPDATE "api_sessions" SET "credential" = ? WHERE "id" = ?', [credential, id]);
  }

  /** Ends one session; answers whether it was live. */
  async end(id: string, at: string, reason: SessionEnd): Promise<boolean> {
    const live = await this.query<Array<Record<string, unknown>>>('SELECT "id" FROM "api_sessions" WHERE "id" = ? AND "endedAt" IS NULL', [id]);
    if (!live.length) return false;
    await this.query('UPDATE "api_sessions" SET "endedAt" = ?, "endReason" = ? WHERE "id" = ? AND "endedAt" IS NULL', [at, reason, id]);
    return true;
  }

  /** Ends every live session of an account (but `except`); answers the ids ended. */
  async endAll(accountId: string, at: string, reason: SessionEnd, except?: string): Promise<string[]> {
    const rows = await this.query<Array<Record<string, unknown>>>('SELECT "id" FROM "api_sessions" WHERE "accountId" = ? AND "endedAt" IS NULL', [accountId]);
    const ids = rows.map((r) => String(r.id)).filter((id) => id !== except);
    for (const id of ids) await this.query('UPDATE "api_sessions" SET "endedAt" = ?, "endReason" = ? WHERE "id" = ? AND "endedAt" IS NULL', [at, reason, id]);
    return ids;
  }

  /** Deletes the sessions whose absolute end is before `before` (ended or not, they can never be used again). */
  async prune(before: string): Promise<void> {
    await this.query('DELETE FROM "api_sessions" WHERE "expiresAt" < ?', [before]);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
