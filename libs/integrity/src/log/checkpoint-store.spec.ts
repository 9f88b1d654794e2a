import { generateKeyPairSync, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openPostgresEventStore } from '@ledger/event-store';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import type { Checkpoint } from './checkpoint';
import { logStoreKind, PostgresCheckpointStore } from './checkpoint-store';
import { LogTreeStore } from './log-tree-store';
import { VerifiableLog } from './verifiable-log';

const pg = useTestPostgres();

const cp = (treeSize: number, signature: string, extra: Partial<Checkpoint> = {}): Checkpoint => ({
  treeSize,
  root: 'ab'.repeat(32),
  algorithm: 'sm3-sm2',
  issuedAt: '2026-03-02T01:00:00.000Z',
  keyId: 'k'.repeat(64),
  signature,
  witnesses: [],
  ...extra,
});

describe('PostgresCheckpointStore: checkpoints and countersignatures shared by the instances', () => {
  it('keeps the first checkpoint stored for a size when two instances store different ones at once (SM2 signs differently each time)', async () => {
    const url = await pg.freshDatabase();
    const [a, b] = [PostgresCheckpointStore.open(url, 'sm3'), PostgresCheckpointStore.open(url, 'sm3')];
    try {
      const [fromA, fromB] = await Promise.all([a.saveCheckpoint(cp(7, 'signed-by-A')), b.saveCheckpoint(cp(7, 'signed-by-B'))]);
      expect(fromA).toEqual(fromB);
      expect(['signed-by-A', 'signed-by-B']).toContain(fromA.signature);
      // A later one for the same size changes nothing.
      expect(await a.saveCheckpoint(cp(7, 'again'))).toEqual(fromA);
      expect(await b.checkpoint(7)).toEqual(fromA);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('serves from every instance a countersignature stored through one, and keeps trees of other suites apart', async () => {
    const url = await pg.freshDatabase();
    const [a, b, other] = [PostgresCheckpointStore.open(url, 'sm3'), PostgresCheckpointStore.open(url, 'sm3'), PostgresCheckpointStore.open(url, 'sha256')];
    try {
      await a.saveCheckpoint(cp(3, 's3'));
      await a.saveCheckpoint(cp(5, 's5', { timestamp: 'dG9rZW4=' }));
      await a.saveCheckpoint(cp(9, 's9'));
      await a.addWitness(5, { keyId: 'w2', signature: 'c2' }, 'pem2');
      await a.addWitness(5, { keyId: 'w1', signature: 'c1' }, 'pem1');
      expect((await b.checkpoint(5))?.witnesses).toEqual([
        { keyId: 'w1', signature: 'c1' },
        { keyId: 'w2', signature: 'c2' },
      ]);
      expect((await b.newestCheckpoint())?.treeSize).toBe(9);
      // Leaf 2 is in the trees of 3, 5 and 9 leaves: the first one carrying a token is 5's; leaf 5 is in no timestamped one.
      expect((await b.timestampedCovering(2))?.signature).toBe('s5');
      expect(await b.timestampedCovering(5)).toBeNull();
      expect(await other.newestCheckpoint()).toBeNull();
      expect(await other.checkpoint(5)).toBeNull();
    } finally {
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });
});

describe('PostgresCheckpointStore: the first leaf of a tree, decided once for every instance', () => {
  it('keeps the first decision (a switch leaf, or none) when instances decide at once, per tree', async () => {
    const url = await pg.freshDatabase();
    const [a, b, sha] = [PostgresCheckpointStore.open(url, 'sm3'), PostgresCheckpointStore.open(url, 'sm3'), PostgresCheckpointStore.open(url, 'sha256')];
    try {
      expect(await a.firstLeaf()).toBeUndefined();
      const [fromA, fromB] = await Promise.all([a.saveFirstLeaf(Buffer.from('switch leaf of A')), b.saveFirstLeaf(Buffer.from('switch leaf of B'))]);
      expect(fromA).toEqual(fromB);
      expect(['switch leaf of A', 'switch leaf of B']).toContain(fromA?.toString());
      expect(await b.saveFirstLeaf(null)).toEqual(fromA);
      expect(await sha.firstLeaf()).toBeUndefined();
      // None (the tree begins with the first event) is a decision too: a later switch leaf does not replace it.
      expect(await sha.saveFirstLeaf(null)).toBeNull();
      expect(await sha.saveFirstLeaf(Buffer.from('late'))).toBeNull();
      expect(await sha.firstLeaf()).toBeNull();
    } finally {
      await Promise.all([a.close(), b.close(), sha.close()]);
    }
  });
});

describe('LEDGER_LOG_STORE', () => {
  it('follows the event store unless set, and refuses PostgreSQL without it or an unknown value', () => {
    expect(logStoreKind('postgres', {})).toBe('postgres');
    expect(logStoreKind('sqlite', {})).toBe('sqlite');
    expect(logStoreKind('eventstoredb', { LEDGER_LOG_STORE: 'auto' })).toBe('sqlite');
    expect(logStoreKind('postgres', { LEDGER_LOG_STORE: 'sqlite' })).toBe('sqlite');
    expect(() => logStoreKind('sqlite', { LEDGER_LOG_STORE: 'postgres' })).toThrow(/LEDGER_LOG_STORE=postgres needs the PostgreSQL event store/);
    expect(() => logStoreKind('postgres', { LEDGER_LOG_STORE: 'pg' })).toThrow(/LEDGER_LOG_STORE=pg: expected auto, sqlite or postgres/);
  });
});

describe('VerifiableLog on a shared checkpoint store', () => {
  it('refuses to serve a kept checkpoint whose root is not its own tree’s at that size (a suite switch done apart on each instance)', async () => {
    const url = await pg.freshDatabase();
    const store = await openPostgresEventStore({ url });
    const { privateKey } = generateKeyPairSync('ed25519');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-shared-cp-'));
    const shared = [PostgresCheckpointStore.open(url, 'sha256'), PostgresCheckpointStore.open(url, 'sha256')];
    // Each instance's leaf 0 says its own switch (another time, another signature): the trees differ from leaf 0 on.
    const logs = ['A', 'B'].map((name, i) => {
      const tree = new LogTreeStore(path.join(dir, `${name}.sqlite`));
      tree.append([{ position: 0n, leaf: Buffer.from(`switch leaf of ${name}`) }]);
      return new VerifiableLog(store, tree, privateKey, { checkpoints: shared[i], clock: { now: () => new Date('2026-03-02T01:00:00Z') } });
    });
    try {
      for (let i = 0; i < 3; i++)
        await store.append(`s-${i}`, [{ id: randomUUID(), type: 'ProgressReported', schemaVersion: 1, data: { i }, metadata: {} }], 'no_stream');
      logs.forEach((l) => l.start());
      const a = await logs[0].checkpoint();
      expect(a?.treeSize).toBe(4);
      await expect(logs[1].checkpoint()).rejects.toMatchObject({ status: 409, code: 'LOG_TREE_MISMATCH' });
    } finally {
      for (const l of logs) await l.stop();
      for (const l of logs) l.tree.close();
      await Promise.all(shared.map((s) => s.close()));
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
