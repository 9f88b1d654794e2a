import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SessionStore } from './session.store';

/** A data folder from before sessions recorded how they were opened keeps working: its sessions were password ones. */
describe('SessionStore: how a session was opened', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-sessions-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const row = (id: string) => ({
    id,
    accountId: 'a1',
    role: 'inspector',
    secretHash: 'h'.repeat(64),
    credential: 'c'.repeat(64),
    createdAt: '2026-03-02T01:00:00.000Z',
    lastUsedAt: '2026-03-02T01:00:00.000Z',
    expiresAt: '2026-03-02T13:00:00.000Z',
  });

  it('adds the method column to an older table, reads its rows as password sessions, and keeps an oidc one as such', async () => {
    const db = new Database(path.join(dir, 'credentials.sqlite'));
    db.exec(
      'CREATE TABLE "api_sessions" ("id" varchar(64) PRIMARY KEY NOT NULL, "accountId" varchar(64) NOT NULL, "role" varchar(20) NOT NULL, "secretHash" varchar(64) NOT NULL, "credential" varchar(64) NOT NULL, "createdAt" varchar(40) NOT NULL, "lastUsedAt" varchar(40) NOT NULL, "expiresAt" varchar(40) NOT NULL, "endedAt" varchar(40), "endReason" varchar(20))',
    );
    const old = row('old-session-0000000000000');
    db.prepare(
      'INSERT INTO "api_sessions" ("id", "accountId", "role", "secretHash", "credential", "createdAt", "lastUsedAt", "expiresAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(...Object.values(old));
    db.close();

    const store = new SessionStore({ dataDir: dir, readDbUrl: null });
    try {
      await store.create({ ...row('sso-session-0000000000000'), method: 'oidc' });
      expect((await store.get(old.id))?.method).toBe('password');
      expect((await store.get('sso-session-0000000000000'))?.method).toBe('oidc');
    } finally {
      await store.close();
    }
    // Opened again: the column is there already, and that is no error.
    const again = new SessionStore({ dataDir: dir, readDbUrl: null });
    try {
      await again.create({ ...row('pw-session-00000000000000'), method: 'password' });
      expect((await again.get('pw-session-00000000000000'))?.method).toBe('password');
    } finally {
      await again.close();
    }
  });
});
