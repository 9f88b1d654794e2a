import Database from 'better-sqlite3';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { openPostgresEventStore, openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { checkpointSignatureValid } from './checkpoint';
import { LogTreeStore } from './log-tree-store';
import { SHA256, verifyConsistency, verifyInclusion } from './rfc9162';
import { LogRequestError, VerifiableLog } from './verifiable-log';
import { mthSha256 as mth } from './testing/mth-by-definition';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-vlog-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const pg = useTestPostgres();

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

interface Opened {
  store: EventStore;
  /** Raw SQL on the store's database, as a tamperer with its password. */
  exec(sql: string, params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

const engines: { name: string; open(): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open() {
      const file = path.join(tmp, `${randomUUID()}.sqlite`);
      const store = await openSqliteEventStore({ file, synchronous: 'NORMAL' });
      const db = new Database(file);
      return {
        store,
        exec: async (sql, params) => void db.prepare(sql.replace(/\$\d+/g, '?')).run(...params),
        close: async () => (db.close(), await store.close()),
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const url = await pg.freshDatabase();
      const store = await openPostgresEventStore({ url });
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.query('SET search_path TO ledger_events');
      return { store, exec: async (sql, params) => void (await client.query(sql, params)), close: async () => (await client.end(), await store.close()) };
    },
  },
];

async function write(store: EventStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    await store.append(`item-${i % 3}`, [{ id: randomUUID(), type: 'ProgressReported', schemaVersion: 1, data: { i }, metadata: {} }], 'any');
}

async function storedLeaves(store: EventStore): Promise<Buffer[]> {
  return (await store.readAll({ after: 0n, limit: 10_000 })).map((e) => Buffer.from(e.streamHash!, 'hex'));
}

describe.each(engines)('VerifiableLog on $name', (engine) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const clock = { now: () => new Date('2026-03-02T01:00:00Z') };

  it('follows the store: the checkpoint is the MTH over the stored hashes, one per tree size, its proofs verify, and it resumes from its file', async () => {
    const o = await engine.open();
    const file = path.join(tmp, `${randomUUID()}.tree.sqlite`);
    let tree = new LogTreeStore(file);
    let log = new VerifiableLog(o.store, tree, privateKey, { clock });
    try {
      await write(o.store, 7);
      const a = (await log.checkpoint())!;
      expect(a).toMatchObject({
        treeSize: 7,
        root: mth(await storedLeaves(o.store)).toString('hex'),
        algorithm: 'sha256-ed25519',
        issuedAt: '2026-03-02T01:00:00.000Z',
        witnesses: [],
      });
      expect(checkpointSignatureValid(a, publicKey)).toBe(true);
      expect(await log.checkpoint()).toEqual(a);
      await log.stop();
      tree.close();

      await write(o.store, 6);
      tree = new LogTreeStore(file);
      expect(tree.size).toBe(7);
      log = new VerifiableLog(o.store, tree, privateKey, { clock });
      const b = (await log.checkpoint())!;
      const leaves = await storedLeaves(o.store);
      expect(b).toMatchObject({ treeSize: 13, root: mth(leaves).toString('hex') });
      const c = await log.consistency(7, 13);
      expect(
        verifyConsistency(
          SHA256,
          7,
          13,
          c.proof.map((h) => Buffer.from(h, 'hex')),
          Buffer.from(a.root, 'hex'),
          Buffer.from(b.root, 'hex'),
        ),
      ).toBe(true);
      const events = await o.store.readAll({ after: 0n, limit: 100 });
      for (const [i, e] of events.entries()) {
        const inc = await log.inclusion(e.position, 13);
        expect(inc.leafIndex).toBe(i);
        expect(
          verifyInclusion(
            SHA256,
            i,
            13,
            sha(Buffer.of(0), leaves[i]),
            inc.proof.map((h) => Buffer.from(h, 'hex')),
            Buffer.from(b.root, 'hex'),
          ),
        ).toBe(true);
      }
      await expect(log.consistency(14)).rejects.toMatchObject({ status: 422, code: 'TREE_SIZE_TOO_LARGE' });
    } finally {
      await log.stop();
      tree.close();
      await o.close();
    }
  });

  it('refuses to follow a store whose event at the tree’s last leaf is no longer the one it hashed', async () => {
    const o = await engine.open();
    const file = path.join(tmp, `${randomUUID()}.tree.sqlite`);
    let tree = new LogTreeStore(file);
    let log = new VerifiableLog(o.store, tree, privateKey, { clock });
    try {
      await write(o.store, 5);
      await log.checkpoint();
      await log.stop();
      tree.close();
      await o.exec('UPDATE events SET stream_hash = $1 WHERE position = $2', [Buffer.alloc(32, 7), 5]);
      tree = new LogTreeStore(file);
      log = new VerifiableLog(o.store, tree, privateKey, { clock });
      const refused = await log.checkpoint().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(LogRequestError);
      expect(refused).toMatchObject({ status: 409, code: 'LOG_TREE_MISMATCH' });
      expect(tree.size).toBe(5);
    } finally {
      await log.stop();
      tree.close();
      await o.close();
    }
  });
});
