/**
 * The verifiable log behind a load balancer: two API instances (two createApp, each with its own data
 * folder, hence its own tree file, one seal key as a province deploys it) on one PostgreSQL store. A
 * witness countersigning through instance A is served by instance B, and both answer the one checkpoint
 * kept for a tree size, even when both issue it at the same moment with different clocks.
 */
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EventStore } from '@ledger/event-store';
import { cosignatureValid, loadOrCreateSealKey, toPublicKey, type Checkpoint } from '@ledger/integrity';
import { FixedClock, loadConfig, openEventStore, signToken } from '@ledger/platform';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@ledger/platform/testing/postgres';
import { Client } from 'pg';
import { createApp, type LedgerApp } from '../apps/api/src/create-app';
import { witnessMain } from '../apps/cli/src/witness';
import { appendLeaves, getOk } from './support/log-instances';

const SECRET = 'log-scale-out-secret-0123456789';

describe('the verifiable log on two API instances sharing one PostgreSQL store', () => {
  let server: TestPostgres;
  let store: EventStore;
  let tmp: string;
  const apps: LedgerApp[] = [];
  const urls: string[] = [];
  const token = signToken({ sub: 'inspector-1', role: 'inspector', unitId: null, name: '督查' }, SECRET);

  const get = (i: number, route: string) => getOk(urls[i], route, token);
  const append = (n: number) => appendLeaves(store, n);

  beforeAll(async () => {
    server = await startTestPostgres();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'log-scale-out-'));
    const env = {
      LEDGER_EVENT_STORE: 'postgres',
      LEDGER_EVENT_STORE_URL: server.url,
      LEDGER_READ_DB_URL: await createTestDatabase(server.serverUrl),
      LEDGER_JWT_SECRET: SECRET,
      LEDGER_DEADLINE_WORKER: 'off',
      LEDGER_SEAL_EVERY: '0',
    };
    // One seal key on both, as the province hands it to every instance (checkpoints and seals are signed with it).
    loadOrCreateSealKey(path.join(tmp, 'instance-0', 'seal-key.pem'));
    fs.mkdirSync(path.join(tmp, 'instance-1'), { mode: 0o700 });
    for (const f of ['seal-key.pem', 'seal-key.pub.pem']) fs.copyFileSync(path.join(tmp, 'instance-0', f), path.join(tmp, 'instance-1', f));
    // Two clocks a minute apart: a checkpoint issued by each would differ in issuedAt and signature.
    const clocks = [new FixedClock(new Date('2026-03-02T01:00:00Z')), new FixedClock(new Date('2026-03-02T01:01:00Z'))];
    for (const i of [0, 1]) {
      const config = loadConfig({ ...env, LEDGER_DATA_DIR: path.join(tmp, `instance-${i}`) });
      const app = await createApp({ config, clock: clocks[i], projector: i === 0, logger: false });
      await app.listen(0, '127.0.0.1');
      apps.push(app);
      urls.push(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
    }
    store = await openEventStore(loadConfig({ ...env, LEDGER_DATA_DIR: path.join(tmp, 'writer') }));
    await append(5);
  }, 180_000);

  afterAll(async () => {
    for (const a of apps) await a.close().catch(() => undefined);
    await store?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('serves through instance B the countersignature a witness posted through instance A, on the checkpoint A issued', async () => {
    const fromA = (await get(0, '/log/checkpoint')) as Checkpoint;
    expect(fromA.treeSize).toBe(5);
    expect(fromA.issuedAt).toBe('2026-03-02T01:00:00.000Z');

    const out: string[] = [];
    const err: string[] = [];
    const args = ['--url', urls[0], '--token', token, '--state', path.join(tmp, 'witness-state.json'), '--key', path.join(tmp, 'witness.pem')];
    const code = await witnessMain(
      args,
      { write: (t: string) => out.push(t) } as unknown as NodeJS.WritableStream,
      { write: (t: string) => err.push(t) } as unknown as NodeJS.WritableStream,
    );
    expect({ code, err: err.join('') }).toEqual({ code: 0, err: '' });

    const fromB = (await get(1, '/log/checkpoint')) as Checkpoint;
    expect((await get(1, '/log/key')).keyId).toBe(fromA.keyId);
    const witness = loadOrCreateSealKey(path.join(tmp, 'witness.pem'));
    // B answers A's checkpoint (issued at A's time, not B's) with the witness's countersignature on it.
    expect({ ...fromB, witnesses: [] }).toEqual({ ...fromA, witnesses: [] });
    expect(fromB.witnesses.map((w) => w.keyId)).toEqual([witness.keyId]);
    expect(cosignatureValid(fromB, fromB.witnesses[0], toPublicKey(path.join(tmp, 'witness.pub.pem')))).toBe(true);
  });

  it('answers one checkpoint per tree size when both instances issue it at the same moment', async () => {
    await append(3);
    const [a, b] = (await Promise.all([get(0, '/log/checkpoint'), get(1, '/log/checkpoint')])) as Checkpoint[];
    expect(a.treeSize).toBe(8);
    expect(b).toEqual(a);
    // Stored once, whichever instance's clock it carries.
    expect(['2026-03-02T01:00:00.000Z', '2026-03-02T01:01:00.000Z']).toContain(a.issuedAt);
    const db = new Client({ connectionString: server.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM ledger_log.checkpoints WHERE tree = 'sha256' AND tree_size = 8");
      expect(rows[0].n).toBe('1');
    } finally {
      await db.end();
    }
    // The consistency proof between the two checkpoints is the same from either instance (each derives the same tree).
    expect(await get(1, '/log/consistency?from=5&to=8')).toEqual(await get(0, '/log/consistency?from=5&to=8'));
  });
});
