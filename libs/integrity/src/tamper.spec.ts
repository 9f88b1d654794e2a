import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { bodyHash, globalLinkHash, openPostgresEventStore, openSqliteEventStore, streamLinkHash, type EventStore, type NewEvent } from '@ledger/event-store';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { loadOrCreateSealKey, type SealKey } from './keys';
import { LedgerSealer } from './sealer';
import { SEAL_STREAM } from './seal';
import { verifyLedger } from './verify-ledger';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');

/** Raw access to the database behind a store: what a tamperer with the DB password can do. */
interface Raw {
  one<T>(sql: string, params?: unknown[]): Promise<T | undefined>;
  exec(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

interface Engine {
  name: string;
  open(): Promise<{ store: EventStore; raw: Raw; cleanup(): Promise<void> }>;
  /** SQL text for a JSON parameter. */
  json: string;
  bytes: string;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-integrity-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const pg = useTestPostgres();

const engines: Engine[] = [
  {
    name: 'sqlite',
    json: '?',
    bytes: '?',
    async open() {
      const file = path.join(tmp, `${randomUUID()}.sqlite`);
      const store = await openSqliteEventStore({ file, synchronous: 'NORMAL' });
      const db = new Database(file);
      const toSqlite = (sql: string) => sql.replace(/\$\d+(::\w+)?/g, '?');
      const raw: Raw = {
        one: async (sql, params = []) => db.prepare(toSqlite(sql)).get(...params) as never,
        exec: async (sql, params = []) => void db.prepare(toSqlite(sql)).run(...params),
        close: async () => void db.close(),
      };
      return {
        store,
        raw,
        cleanup: async () => {
          await store.close();
          db.close();
        },
      };
    },
  },
  {
    name: 'postgres',
    json: '$1::json',
    bytes: '$1::bytea',
    async open() {
      const url = await pg.freshDatabase();
      const store = await openPostgresEventStore({ url });
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.query('SET search_path TO ledger_events');
      const raw: Raw = {
        one: async (sql, params = []) => (await client.query(sql, params)).rows[0],
        exec: async (sql, params = []) => void (await client.query(sql, params)),
        close: () => client.end(),
      };
      return {
        store,
        raw,
        cleanup: async () => {
          await store.close();
          await client.end().catch(() => undefined);
        },
      };
    },
  },
];

function event(n: number, stream: string): NewEvent {
  return {
    id: randomUUID(),
    type: 'ProgressReported',
    schemaVersion: 1,
    data: { n, stream, note: `第${n}次进展：整改台账已更新` },
    metadata: { actor: { userId: 'u-1', role: 'unit', unitId: 'unit-1', name: '李四' }, correlationId: `c-${n}`, recordedAt: '2026-03-02T09:00:00.000+08:00' },
  };
}

const STREAMS = ['item-a', 'item-b', 'item-c'];

/**
 * 24 events round-robin over three items (positions 1–24), a seal (25), 6 more (26–31), a seal (32).
 * Event k (1-based among the item events) is revision floor((k-1)/3) of STREAMS[(k-1) % 3].
 */
async function buildLedger(store: EventStore, key: SealKey): Promise<void> {
  const sealer = new LedgerSealer(store, key, { every: 0 });
  const revisions = new Map<string, number>();
  const add = async (k: number) => {
    const s = STREAMS[(k - 1) % 3];
    const r = revisions.get(s);
    revisions.set(s, (await store.append(s, [event(k, s)], r === undefined ? 'no_stream' : r)).revision);
  };
  for (let k = 1; k <= 24; k++) await add(k);
  expect((await sealer.seal())?.event.position).toBe(25n);
  for (let k = 25; k <= 30; k++) await add(k);
  expect((await sealer.seal())?.event.position).toBe(32n);
  await sealer.stop();
}

describe.each(engines)('tamper evidence on $name', (engine) => {
  let store: EventStore;
  let raw: Raw;
  let cleanup: () => Promise<void>;
  let key: SealKey;

  beforeEach(async () => {
    ({ store, raw, cleanup } = await engine.open());
    key = loadOrCreateSealKey(path.join(tmp, randomUUID(), 'seal-key.pem'));
    await buildLedger(store, key);
  });
  afterEach(() => cleanup());

  const verify = () => verifyLedger(store, key.publicKey);
  const row = (position: number) =>
    raw.one<{ data: unknown; stream: string; revision: number }>('SELECT data, stream, revision FROM events WHERE position = $1', [position]);
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

  it('an untouched ledger verifies: every event, both seals', async () => {
    const progress: bigint[] = [];
    const report = await verifyLedger(store, key.publicKey, { batchSize: 10, onProgress: (p) => progress.push(p.position) });
    expect(report).toEqual({ ok: true, checked: 32, seals: 2, head: '32', newestSeal: expect.objectContaining({ covers: '31', position: '32' }) });
    expect(progress).toEqual([10n, 20n, 30n, 32n]);
  });

  it('one byte changed in a stored event’s data: the break is that event', async () => {
    const before = text((await row(14))!.data);
    const after = before.replace('"n":14', '"n":15');
    expect(Buffer.byteLength(after)).toBe(Buffer.byteLength(before));
    await raw.exec(`UPDATE events SET data = ${engine.json} WHERE position = $2`, [after, 14]);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.checked).toBe(13);
    expect(report.firstBreak).toMatchObject({ stream: 'item-b', revision: 4, position: '14', reason: 'stream_hash_mismatch' });
  });

  it('a deleted event: the break is the event after the hole', async () => {
    await raw.exec('DELETE FROM events WHERE position = $1', [10]);
    expect((await verify()).firstBreak).toMatchObject({ stream: 'item-b', revision: 3, position: '11', reason: 'position_gap' });
  });

  it('two events swapped (their positions exchanged): the break is the first of the two places', async () => {
    // position 7 is item-a#2, position 9 is item-c#2
    await raw.exec('UPDATE events SET position = -7 WHERE position = 7');
    await raw.exec('UPDATE events SET position = 7 WHERE position = 9');
    await raw.exec('UPDATE events SET position = 9 WHERE position = -7');
    expect((await verify()).firstBreak).toMatchObject({ stream: 'item-c', revision: 2, position: '7', reason: 'stream_hash_mismatch' });
  });

  it('a payload swapped between two streams: the break is the earlier of the two events', async () => {
    const a = text((await row(5))!.data); // item-b#1
    const b = text((await row(18))!.data); // item-c#5
    await raw.exec(`UPDATE events SET data = ${engine.json} WHERE position = $2`, [b, 5]);
    await raw.exec(`UPDATE events SET data = ${engine.json} WHERE position = $2`, [a, 18]);
    expect((await verify()).firstBreak).toMatchObject({ stream: 'item-b', revision: 1, position: '5', reason: 'stream_hash_mismatch' });
  });

  it('an altered seal: the break is the seal event', async () => {
    const seal = JSON.parse(text((await row(25))!.data)) as Record<string, unknown>;
    expect((await row(25))!.stream).toBe(SEAL_STREAM);
    seal.position = '23';
    await raw.exec(`UPDATE events SET data = ${engine.json} WHERE position = $2`, [JSON.stringify(seal), 25]);
    expect((await verify()).firstBreak).toMatchObject({ stream: SEAL_STREAM, revision: 0, position: '25', reason: 'stream_hash_mismatch' });
  });

  it('a change whose tamperer re-hashed the whole chain after it is still caught, by the seal covering it', async () => {
    const before = text((await row(14))!.data);
    await raw.exec(`UPDATE events SET data = ${engine.json} WHERE position = $2`, [before.replace('"n":14', '"n":15'), 14]);
    // Recompute and store every link from position 1: the chain itself is consistent again.
    const all = await store.readAll({ after: 0n, limit: 100 });
    const heads = new Map<string, Buffer>();
    let g: Buffer | null = null;
    for (const e of all) {
      const sh = streamLinkHash(e.stream, e.revision, e.position, bodyHash(e), heads.get(e.stream) ?? null);
      g = globalLinkHash(sh, g);
      heads.set(e.stream, sh);
      await raw.exec(`UPDATE events SET stream_hash = ${engine.bytes}, global_hash = $2 WHERE position = $3`, [sh, g, Number(e.position)]);
    }
    expect((await verify()).firstBreak).toMatchObject({ stream: SEAL_STREAM, revision: 0, position: '25', reason: 'seal_head_mismatch' });
  });

  it('a proof of one item verifies with the standalone verifier, and fails once one byte of it is edited', async () => {
    const sealer = new LedgerSealer(store, key, { every: 0 });
    const proof = await sealer.proof('item-b');
    await sealer.stop();
    expect(proof).toMatchObject({
      stream: 'item-b',
      head: { revision: 9, position: '30' },
      seal: { position: '31' },
      sealEvent: { position: '32' },
      unsealedEvents: 0,
    });
    expect(proof!.events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const file = path.join(tmp, `${randomUUID()}.json`);
    const text = JSON.stringify(proof, null, 2);
    fs.writeFileSync(file, text);
    const ok = await run('npx', ['ledger-verify', file, '--key', path.join(path.dirname(key.file), 'seal-key.pub.pem')], { cwd: ROOT });
    expect(ok.stdout).toMatch(/^verified: item-b, 10 event\(s\) up to revision 9 \(position 30\)/);

    const edited = text.replace('第5次进展', '第6次进展'); // one character of item-b#1's note (5 → 6)
    expect(Buffer.byteLength(edited)).toBe(Buffer.byteLength(text));
    fs.writeFileSync(file, edited);
    const bad = await run('npx', ['ledger-verify', file, '--json'], { cwd: ROOT }).catch((e: { code: number; stdout: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect(JSON.parse((bad as { stdout: string }).stdout)).toMatchObject({ ok: false, at: { stream: 'item-b', revision: 1, position: '5' } });
  });
});
