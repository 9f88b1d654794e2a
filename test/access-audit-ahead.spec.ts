/**
 * An act the access audit records is recorded before it is done: when its entry cannot be written, the
 * client is told 503 and nothing was done (the rule the downloads follow: nothing is sent). Before, the
 * act came first and the entry after, so the 503 came with the act already made: a dead letter replayed,
 * a machine client's command appended, an account opened, a key revoked, a password changed, a session
 * ended, none of them in the trail. Each case below makes the trail refuse every write (a trigger, as the
 * downloads suite does), asks for the act, and looks at the act's own store, not at the answer alone.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { cosign, type Checkpoint } from '@ledger/integrity';
import type { EventStore } from '@ledger/event-store';
import type { DataSource } from 'typeorm';
import { bootstrapAdministrator } from '../apps/api/src/accounts/bootstrap';
import { NOTIFICATIONS_DS } from '../apps/api/src/notifications/notifications.route';
import { EVENT_STORE } from '../apps/api/src/platform/tokens';
import { issueApiKey, revokeApiKey } from '../apps/cli/src/accounts/api-keys';
import { insertDeadLetter } from './support/dead-letter';
import { API, startLedger, type Ledger } from './support/ledger';

const DEAD_ID = '0a1b2c3d-0000-4000-8000-0000000000ad';
const ADMIN_PASSWORD = 'Initial-Pass-2026';

describe('an audited act is not done when its access-audit entry cannot be written', () => {
  let ledger: Ledger;
  let store: EventStore;
  const sys = () => ledger.as('sysadmin', undefined, { sub: 'ahead-sys' });
  const sec = () => ledger.as('secadmin', undefined, { sub: 'ahead-sec' });

  const sqlite = (file: string, sql: string, args: unknown[] = []): Array<Record<string, unknown>> => {
    const db = new Database(path.join(ledger.config.dataDir, file));
    try {
      if (/^\s*select/i.test(sql)) return db.prepare(sql).all(...args) as Array<Record<string, unknown>>;
      db.exec(sql);
      return [];
    } finally {
      db.close();
    }
  };
  /** Runs `act` while the trail refuses every write. */
  async function withTrailRefusing<T>(act: () => Promise<T>): Promise<T> {
    sqlite('access-audit.sqlite', "CREATE TRIGGER refuse_all BEFORE INSERT ON access_audit BEGIN SELECT RAISE(ABORT, 'disk says no'); END;");
    try {
      return await act();
    } finally {
      sqlite('access-audit.sqlite', 'DROP TRIGGER refuse_all');
    }
  }
  const entries = () => sqlite('access-audit.sqlite', 'SELECT "seq", "actor", "action", "target", "outcome", "status" FROM "access_audit" ORDER BY "seq"');
  const expect503 = (res: { status: number; body: unknown; text?: string }) => {
    expect([res.status, (res.body as { code?: string })?.code ?? res.text]).toEqual([503, 'AUDIT_UNAVAILABLE']);
  };
  async function issue(account: string): Promise<string> {
    let key = '';
    const code = await issueApiKey(ledger.config, { account }, { out: (t) => (key += t), err: () => undefined, progress: null, clock: ledger.clock });
    expect(code).toBe(0);
    return key.trim();
  }
  const keyRow = (keyId: string) => sqlite('credentials.sqlite', 'SELECT "revokedAt" FROM "api_keys" WHERE "keyId" = ?', [keyId])[0];

  beforeAll(async () => {
    ledger = await startLedger({ engine: 'sqlite' });
    store = ledger.app.get(EVENT_STORE);
    expect(await bootstrapAdministrator(ledger.app, { login: 'admin', password: ADMIN_PASSWORD })).toMatch(/^bootstrap administrator: login admin/);
    const org = ledger.as('org_dept');
    await org.post('/units', { id: 'C', name: '湟源县委', kind: 'county_committee' }, 201);
    await sys().post('/accounts', { id: 'ops', login: 'ops.script', name: '组织部脚本', roles: ['org_dept'] }, 201);
    await insertDeadLetter(ledger, DEAD_ID);
  }, 60_000);
  afterAll(async () => {
    await ledger?.close();
  });

  const outboxStatus = async () =>
    ((await ledger.app.get<DataSource>(NOTIFICATIONS_DS).query(`SELECT "status" FROM "nt_outbox" WHERE "id" = ?`, [DEAD_ID])) as Array<{ status: string }>)[0]
      .status;

  it('a dead letter: not replayed (still dead), then replayed once the trail records, with one entry', async () => {
    const before = entries().length;
    expect503(await withTrailRefusing(() => ledger.http.post(`${API}/notifications/${DEAD_ID}/replay`).set('Authorization', `Bearer ${sys().token}`)));
    expect(await outboxStatus()).toBe('dead');
    expect(entries().length).toBe(before);

    await ledger.http.post(`${API}/notifications/${DEAD_ID}/replay`).set('Authorization', `Bearer ${sys().token}`).expect(202);
    expect(await outboxStatus()).toBe('pending');
    expect(
      entries()
        .slice(before)
        .map((e) => [e.actor, e.action, e.outcome, e.status]),
    ).toEqual([['ahead-sys', 'dead-letter-replay', 'ok', 202]]);
  });

  it("a machine token's command: no event appended", async () => {
    const bot = ledger.as('org_dept', undefined, { sub: 'nightly-script' });
    const res = await withTrailRefusing(() =>
      ledger.http
        .post(`${API}/units`)
        .set('Authorization', `Bearer ${bot.token}`)
        .send({ id: 'T9', name: '和平乡党委', kind: 'township_committee', parentId: 'C' }),
    );
    expect503(res);
    expect(await store.readStream('unit-T9')).toEqual([]);
  });

  it("an API key's command: no event appended; the same command afterwards leaves one entry", async () => {
    const key = await issue('ops.script');
    const sheet = { id: 'S-AHEAD', number: '湟组交〔2026〕77号', title: '脚本', issuedOn: '2026-03-02' };
    const send = () => ledger.http.post(`${API}/sheets`).set('Authorization', `Bearer ${key}`).send(sheet);
    const headBefore = await store.headPosition();
    expect503(await withTrailRefusing(send));
    expect(await store.readStream('sheet-S-AHEAD')).toEqual([]);
    expect(await store.headPosition()).toBe(headBefore);

    const before = entries().length;
    expect((await send()).status).toBe(201);
    expect((await store.readStream('sheet-S-AHEAD')).length).toBe(1);
    expect(
      entries()
        .slice(before)
        .map((e) => [e.actor, e.action, e.target, e.outcome, e.status]),
    ).toEqual([['ops', 'api-key-use', `POST ${API}/sheets`, 'ok', 201]]);
  });

  it('an account opened by the system administrator: no account', async () => {
    const res = await withTrailRefusing(() =>
      ledger.http
        .post(`${API}/accounts`)
        .set('Authorization', `Bearer ${sys().token}`)
        .send({ id: 'never', login: 'never.opened', name: '未开设', roles: ['inspector'] }),
    );
    expect503(res);
    expect(await store.readStream('account-never')).toEqual([]);
  });

  it('a key revoked through the API: still in force', async () => {
    const key = await issue('ops.script');
    const keyId = key.slice(3, 19);
    expect503(
      await withTrailRefusing(() => ledger.http.post(`${API}/accounts/ops/keys/${keyId}/revoke`).set('Authorization', `Bearer ${sec().token}`).send({})),
    );
    expect(keyRow(keyId)).toEqual({ revokedAt: null });
    expect((await ledger.http.get(`${API}/units`).set('Authorization', `Bearer ${key}`)).status).toBe(200);
  });

  it('a key revoked from the command line: still in force, the command fails', async () => {
    const key = await issue('ops.script');
    const keyId = key.slice(3, 19);
    const io = { out: () => undefined, err: () => undefined, progress: null, clock: ledger.clock };
    await expect(withTrailRefusing(() => revokeApiKey(ledger.config, keyId, 'test', io))).rejects.toThrow(/disk says no/);
    expect(keyRow(keyId)).toEqual({ revokedAt: null });
    expect((await ledger.http.get(`${API}/units`).set('Authorization', `Bearer ${key}`)).status).toBe(200);
  });

  it("a machine client's evidence upload: no file stored", async () => {
    const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('脚本上传的照片', 'utf8')]);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const bot = ledger.as('unit', 'C', { sub: 'upload-script' });
    const upload = () =>
      ledger.http.post(`${API}/evidence`).set('Authorization', `Bearer ${bot.token}`).attach('file', bytes, { filename: '照片.png', contentType: 'image/png' });
    expect503(await withTrailRefusing(upload));
    const stored = path.join(ledger.config.dataDir, 'evidence', sha.slice(0, 2), sha.slice(2, 4), sha);
    expect(fs.existsSync(stored)).toBe(false);
    expect((await upload()).status).toBe(201);
    expect(fs.existsSync(stored)).toBe(true);
  });

  it("a witness's countersignature through a machine token: not stored", async () => {
    const witness = ledger.as('inspector', undefined, { sub: 'witness-script' });
    const cp = (await witness.get('/log/checkpoint', 200)).body as Checkpoint;
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const w = cosign(cp, privateKey);
    const body = { treeSize: cp.treeSize, ...w, publicKey: publicKey.export({ type: 'spki', format: 'pem' }) };
    expect503(await withTrailRefusing(() => ledger.http.post(`${API}/log/witness`).set('Authorization', `Bearer ${witness.token}`).send(body)));
    expect(((await witness.get('/log/checkpoint', 200)).body as Checkpoint).witnesses).toEqual([]);
    expect(((await witness.post('/log/witness', body, 200)).body as Checkpoint).witnesses).toEqual([w]);
  });

  const signIn = (password: string) => ledger.http.post(`${API}/auth/sign-in`).send({ login: 'admin', password });

  it('a password change: the old password still signs in, the new one does not', async () => {
    const first = await signIn(ADMIN_PASSWORD).expect(200);
    const token = first.body.accessToken as string;
    const change = () =>
      ledger.http.post(`${API}/auth/password`).set('Authorization', `Bearer ${token}`).send({ current: ADMIN_PASSWORD, next: 'Changed-Pass-2026!' });
    expect503(await withTrailRefusing(change));
    expect((await signIn('Changed-Pass-2026!')).status).toBe(401);
    await signIn(ADMIN_PASSWORD).expect(200);
  });

  it('a sign-out: the session goes on, and ends when the trail records again', async () => {
    const again = await signIn(ADMIN_PASSWORD).expect(200);

    const session = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')).sid as string;
    const sid = session(again.body.accessToken as string);
    expect(typeof sid).toBe('string');
    const signOut = () => ledger.http.post(`${API}/auth/sign-out`).set('Authorization', `Bearer ${again.body.accessToken}`).send({});
    expect503(await withTrailRefusing(signOut));
    expect(sqlite('credentials.sqlite', 'SELECT "endedAt" FROM "api_sessions" WHERE "id" = ?', [sid])).toEqual([{ endedAt: null }]);
    await signOut().expect(204);
    expect(sqlite('credentials.sqlite', 'SELECT "endedAt" FROM "api_sessions" WHERE "id" = ?', [sid])).toEqual([{ endedAt: expect.any(String) }]);
  });
});
