import Database from 'better-sqlite3';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { bodyHash, globalLinkHash, openPostgresEventStore, openSqliteEventStore, streamLinkHash, type EventStore, type NewEvent } from '@ledger/event-store';
import { collect } from '@ledger/event-store/testing/contract-suite';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { ChainWalker, chainProfile } from './chain-walker';
import { loadOrCreateSealKey, type SealKey } from './keys';
import { leafHash, rootFromPath } from './merkle';
import { SEAL_EVENT_TYPE, SEAL_STREAM, signSeal, type Seal } from './seal';
import { LedgerBrokenError, LedgerSealer } from './sealer';
import { verifyLedger } from './verify-ledger';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-resume-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const pg = useTestPostgres();

/** Raw SQL on the database behind a store: what a tamperer with the password can do. */
interface Raw {
  exec(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

const engines = [
  {
    name: 'sqlite',
    async open(): Promise<{ store: EventStore; raw: Raw }> {
      const file = path.join(tmp, `${randomUUID()}.sqlite`);
      const store = await openSqliteEventStore({ file, synchronous: 'NORMAL' });
      const db = new Database(file);
      return {
        store,
        raw: { exec: async (sql, params = []) => void db.prepare(sql.replace(/\$\d+/g, '?')).run(...params), close: async () => void db.close() },
      };
    },
  },
  {
    name: 'postgres',
    async open(): Promise<{ store: EventStore; raw: Raw }> {
      const url = await pg.freshDatabase();
      const store = await openPostgresEventStore({ url });
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.query('SET search_path TO ledger_events');
      return { store, raw: { exec: async (sql, params = []) => void (await client.query(sql, params)), close: () => client.end() } };
    },
  },
];

function event(n: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'ProgressReported',
    schemaVersion: 1,
    data: { n, note: `第${n}次进展` },
    metadata: { actor: { userId: 'u-1', role: 'unit' }, recordedAt: '2026-03-02T09:00:00.000+08:00' },
  };
}

/** `count` events over streams item-0 … item-(streams-1), new streams being born along the way. */
async function write(store: EventStore, from: number, count: number, streams: number): Promise<void> {
  for (let n = from; n < from + count; n++) await store.append(`item-${(n * 7) % streams}`, [event(n)], 'any');
}

/** The root a sealer walking from position 0 signs at `position`. */
async function rootFromZero(store: EventStore, key: SealKey, position: bigint): Promise<{ root: string; streams: number }> {
  const walker = new ChainWalker(chainProfile(store.engine), [key.publicKey]);
  walker.apply((await store.readAll({ after: 0n, limit: 100_000 })).filter((e) => e.position <= position));
  expect(walker.firstBreak).toBeNull();
  return { root: walker.heads.root.toString('hex'), streams: walker.heads.size };
}

async function refusal(sealer: LedgerSealer): Promise<LedgerBrokenError> {
  const e = await sealer.seal().then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(LedgerBrokenError);
  return e as LedgerBrokenError;
}

describe.each(engines)('a sealer resuming from the newest seal, on $name', (engine) => {
  let store: EventStore;
  let raw: Raw;
  let key: SealKey;
  let sealedAt: bigint;

  beforeEach(async () => {
    ({ store, raw } = await engine.open());
    key = loadOrCreateSealKey(path.join(tmp, randomUUID(), 'seal-key.pem'));
    await write(store, 0, 60, 9);
    const first = new LedgerSealer(store, key, { every: 0 });
    sealedAt = (await first.seal())!.covers;
    await first.stop();
    await write(store, 60, 25, 13); // later events, four streams born after the seal
  });
  afterEach(async () => {
    await store.close();
    await raw.close();
  });

  it('starts at the seal, and its next seal has the Merkle root of a walk from position 0; its proofs fold to that root', async () => {
    const reads: bigint[] = [];
    const readAll = store.readAll.bind(store);
    store.readAll = (o) => (reads.push(o.after), readAll(o));
    const sealer = new LedgerSealer(store, key, { every: 0 });
    const seal = (await sealer.seal())!;
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((after) => after >= sealedAt - 1n)).toBe(true);
    expect(seal.covers).toBe(86n); // 60 events, the first seal, 25 events
    const fromZero = await rootFromZero(store, key, seal.covers);
    expect({ root: seal.seal.merkleRoot, streams: seal.seal.streams }).toEqual(fromZero);

    const proof = (await sealer.proof('item-5'))!;
    expect(proof.seal.position).toBe('86');
    expect(rootFromPath(leafHash('item-5', proof.head.revision, Buffer.from(proof.head.streamHash, 'hex')), proof.merklePath).toString('hex')).toBe(
      fromZero.root,
    );
    await sealer.stop();
  });

  it('a proof for a seal it resumed from (no event since) folds to that seal’s root', async () => {
    const sealer = new LedgerSealer(store, key, { every: 0 });
    await sealer.seal();
    await sealer.stop();
    const again = new LedgerSealer(store, key, { every: 0 });
    const proof = (await again.proof('item-3'))!;
    expect(proof.unsealedEvents).toBe(0);
    expect(rootFromPath(leafHash('item-3', proof.head.revision, Buffer.from(proof.head.streamHash, 'hex')), proof.merklePath).toString('hex')).toBe(
      proof.seal.merkleRoot,
    );
    await again.stop();
  });

  it('refuses to seal over a sealed prefix changed and re-hashed behind the store', async () => {
    const all = await store.readAll({ after: 0n, limit: 1000 });
    const target = all[20];
    await raw.exec('UPDATE events SET data = $1 WHERE position = $2', [
      JSON.stringify({ ...(target.data as object), note: '改过的进展' }),
      Number(target.position),
    ]);
    const heads = new Map<string, Buffer>();
    let g: Buffer | null = null;
    for (const e of await store.readAll({ after: 0n, limit: 1000 })) {
      const sh = streamLinkHash(e.stream, e.revision, e.position, bodyHash(e), heads.get(e.stream) ?? null);
      g = globalLinkHash(sh, g);
      heads.set(e.stream, sh);
      await raw.exec('UPDATE events SET stream_hash = $1, global_hash = $2 WHERE position = $3', [sh, g, Number(e.position)]);
    }
    const sealer = new LedgerSealer(store, key, { every: 0 });
    expect((await refusal(sealer)).firstBreak).toMatchObject({ stream: SEAL_STREAM, reason: 'seal_head_mismatch' });
    await sealer.stop();
  });

  it('refuses to seal when a stream head stored in the sealed prefix is not the one sealed', async () => {
    const heads = await collect(store.streamHeadsAt(sealedAt));
    const victim = heads.find((h) => h.stream === 'item-4')!;
    await raw.exec('UPDATE events SET stream_hash = $1 WHERE position = $2', [Buffer.alloc(32, 7), Number(victim.position)]);
    const sealer = new LedgerSealer(store, key, { every: 0 });
    expect((await refusal(sealer)).firstBreak).toMatchObject({ stream: SEAL_STREAM, reason: 'seal_merkle_mismatch' });
    await sealer.stop();
  });

  it('verification whose journal no longer reaches the newest seal checks its root against the stored heads', async () => {
    expect(await verifyLedger(store, key.publicKey, { journalWindow: 5 })).toEqual(await verifyLedger(store, key.publicKey));
    // Signed with the trusted key over the right global hash, but over a root that is not the heads'.
    const head = await store.headPosition();
    const [at] = await store.readAll({ after: head - 1n, limit: 1 });
    const wrong = signSeal(
      { position: head.toString(), globalHash: at.globalHash!, merkleRoot: 'e'.repeat(64), streams: 13, sealedAt: '2026-03-02T01:00:00.000Z' },
      key.privateKey,
    );
    await store.append(SEAL_STREAM, [{ id: randomUUID(), type: SEAL_EVENT_TYPE, schemaVersion: 1, data: wrong, metadata: {} }], 'any');
    await write(store, 200, 20, 13);
    const report = await verifyLedger(store, key.publicKey, { journalWindow: 5 });
    expect(report).toMatchObject({ ok: false, firstBreak: { stream: SEAL_STREAM, reason: 'seal_merkle_mismatch' } });
    expect(report.checked).toBe(Number(await store.headPosition()));
  });

  it('refuses to seal after a forged seal: another key, or a sealed root that was altered', async () => {
    const head = await store.headPosition();
    const [at] = await store.readAll({ after: head - 1n, limit: 1 });
    const body = { position: head.toString(), globalHash: at.globalHash!, merkleRoot: '0'.repeat(64), streams: 13, sealedAt: '2026-03-02T01:00:00.000Z' };
    const forger = generateKeyPairSync('ed25519').privateKey;
    const append = (seal: Seal) => store.append(SEAL_STREAM, [{ id: randomUUID(), type: SEAL_EVENT_TYPE, schemaVersion: 1, data: seal, metadata: {} }], 'any');

    await append(signSeal(body, forger));
    const said: unknown[] = [];
    const byForger = new LedgerSealer(store, key, { every: 0, onError: (e) => said.push(e) });
    expect((await refusal(byForger)).firstBreak).toMatchObject({ stream: SEAL_STREAM, reason: 'seal_key_unknown' });
    expect(said).toEqual([expect.objectContaining({ code: 'LEDGER_CHAIN_BROKEN' })]);
    await byForger.stop();

    await append({ ...signSeal(body, key.privateKey), merkleRoot: 'f'.repeat(64) });
    const altered = new LedgerSealer(store, key, { every: 0 });
    expect((await refusal(altered)).firstBreak).toMatchObject({ stream: SEAL_STREAM, reason: 'seal_signature_invalid' });
    await altered.stop();
  });
});
