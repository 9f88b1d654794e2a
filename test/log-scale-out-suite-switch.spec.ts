/**
 * A suite switch (LEDGER_CRYPTO=sm) on API instances sharing one PostgreSQL store: the new tree's leaf 0
 * (the suite-switch leaf, committing to the old tree's last checkpoint) is not derived from the events
 * but made by the instance that switches, from its own copy of the old tree and its own clock. Made apart
 * on each instance, the SM3 trees differed from their first leaf on: the second instance answered 409
 * LOG_TREE_MISMATCH, and an instance added after the switch (no old tree file) had no switch leaf at all.
 * The first instance to start the tree decides its first leaf, kept in ledger_log; every other builds on it.
 */
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EventStore } from '@ledger/event-store';
import { loadOrCreateSealKey, type Checkpoint } from '@ledger/integrity';
import { FixedClock, loadConfig, openEventStore, signToken } from '@ledger/platform';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { Client } from 'pg';
import { createApp, type LedgerApp } from '../apps/api/src/create-app';
import { hashWith, mth } from '../libs/integrity/src/log/testing/mth-by-definition';
import { appendLeaves, getOk } from './support/log-instances';

const SECRET = 'log-switch-scale-out-secret-0123456789';

// The oracle: RFC 9162's Merkle tree hash by its definition, over the given hash.

describe('a suite switch on API instances sharing one PostgreSQL store', () => {
  let server: TestPostgres;
  let store: EventStore;
  let tmp: string;
  let env: Record<string, string>;
  const running: LedgerApp[] = [];
  const token = signToken({ sub: 'inspector-1', role: 'inspector', unitId: null, name: '督查' }, SECRET);

  const get = (url: string, route: string) => getOk(url, route, token);
  async function start(i: number, at: string, extra: Record<string, string> = {}): Promise<{ app: LedgerApp; url: string }> {
    const dir = path.join(tmp, `instance-${i}`);
    if (!fs.existsSync(path.join(dir, 'seal-key.pem'))) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      // One seal key on every instance, as the province hands it to each.
      for (const f of ['seal-key.pem', 'seal-key.pub.pem']) fs.copyFileSync(path.join(tmp, 'keys', f), path.join(dir, f));
    }
    const config = loadConfig({ ...env, ...extra, LEDGER_DATA_DIR: dir });
    const app = await createApp({ config, clock: new FixedClock(new Date(at)), projector: false, logger: false });
    await app.listen(0, '127.0.0.1');
    running.push(app);
    return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
  }
  async function stop(app: LedgerApp): Promise<void> {
    running.splice(running.indexOf(app), 1);
    await app.close();
  }
  const append = (n: number) => appendLeaves(store, n);

  beforeAll(async () => {
    server = await startTestPostgres();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'log-switch-scale-out-'));
    env = {
      LEDGER_EVENT_STORE: 'postgres',
      LEDGER_EVENT_STORE_URL: server.url,
      LEDGER_READ_DB_URL: await createTestDatabase(server.serverUrl),
      LEDGER_JWT_SECRET: SECRET,
      LEDGER_DEADLINE_WORKER: 'off',
      LEDGER_SEAL_EVERY: '0',
      // One SM2 key for every instance's SM3 checkpoints, as the seal key is.
      LEDGER_SM2_KEY_FILE: path.join(tmp, 'keys', 'log-key-sm2.json'),
    };
    loadOrCreateSealKey(path.join(tmp, 'keys', 'seal-key.pem'));
    store = await openEventStore(loadConfig({ ...env, LEDGER_DATA_DIR: path.join(tmp, 'writer') }));
  }, 180_000);

  afterAll(async () => {
    for (const a of running.splice(0)) await a.close().catch(() => undefined);
    await store?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('every instance, those that held the old tree at other sizes and one added after, builds the same SM3 tree on the one switch leaf', async () => {
    // SHA-256 first: A and B follow 5 events; B stops; A follows 2 more and issues a checkpoint of 7.
    const a = await start(0, '2026-03-02T01:00:00Z');
    const b = await start(1, '2026-03-02T01:00:00Z');
    await append(5);
    expect((await get(b.url, '/log/checkpoint')).treeSize).toBe(5);
    expect((await get(a.url, '/log/checkpoint')).treeSize).toBe(5);
    await stop(b.app);
    await append(2);
    const old = (await get(a.url, '/log/checkpoint')) as Checkpoint;
    expect(old).toMatchObject({ treeSize: 7, algorithm: 'sha256-ed25519' });
    await stop(a.app);

    // LEDGER_CRYPTO=sm on all three, each with its own clock; C never held the SHA-256 tree.
    const sm = { LEDGER_CRYPTO: 'sm' };
    const switched = await Promise.all([start(0, '2026-03-09T01:00:00Z', sm), start(1, '2026-03-09T02:00:00Z', sm), start(2, '2026-03-09T03:00:00Z', sm)]);
    const checkpoints = (await Promise.all(switched.map((s) => get(s.url, '/log/checkpoint')))) as Checkpoint[];

    // The one switch leaf, by its format: the newest SHA-256 checkpoint any instance issued (7 events), signed.
    const leaf0 = Buffer.from(
      `ledger-suite-switch/1\nledger-checkpoint/1\n${old.algorithm}\n${old.treeSize}\n${old.root}\n${old.issuedAt}\n${old.keyId}\n${old.signature}\n`,
    );
    const events = await store.readAll({ after: 0n, limit: 100 });
    expect(events.length).toBe(7);
    const root = mth(hashWith('sm3'), [leaf0, ...events.map((e) => Buffer.from(e.streamHash as string, 'hex'))]).toString('hex');
    expect(checkpoints.map((c) => [c.algorithm, c.treeSize, c.root])).toEqual([
      ['sm3-sm2', 8, root],
      ['sm3-sm2', 8, root],
      ['sm3-sm2', 8, root],
    ]);
    expect(checkpoints[1]).toEqual(checkpoints[0]);
    expect(checkpoints[2]).toEqual(checkpoints[0]);
    const db = new Client({ connectionString: server.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ tree: string; leaf: Buffer | null }>('SELECT tree, leaf FROM ledger_log.first_leaves ORDER BY tree');
      expect(rows.map((r) => [r.tree, r.leaf?.toString('utf8') ?? null])).toEqual([
        ['sha256', null],
        ['sm3', leaf0.toString('utf8')],
      ]);
    } finally {
      await db.end();
    }

    // Proofs agree too: an event's inclusion from each instance, after the switch as before.
    await append(1);
    const proofs = await Promise.all(switched.map((s) => get(s.url, '/log/inclusion?position=3')));
    expect(proofs.map((p) => [p.treeSize, p.leafIndex])).toEqual([
      [9, 3],
      [9, 3],
      [9, 3],
    ]);
    expect(proofs[1]).toEqual(proofs[0]);
    expect(proofs[2]).toEqual(proofs[0]);
  });
});
