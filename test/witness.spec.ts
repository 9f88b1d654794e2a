/**
 * An insider who holds the server (its database AND its seal key) rewrites
 * history exactly as the server would have written it — hashes, both chains and every seal recomputed
 * and re-signed, so that `verifyLedger` finds nothing — and the verifiable log still gives them away:
 * the outside witness (`ledger witness`, the built CLI as its own process) and the offline verifier
 * (`ledger-verify --state`) both refuse, for an event changed, an event removed from the middle, the
 * tail truncated and a checkpoint re-signed after a rewrite. The untouched ledger passes both.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { bodyHashOfText, globalLinkHash, streamLinkHash, type EventStore } from '@ledger/event-store';
import { loadOrCreateSealKey, MerkleTree, SEAL_EVENT_TYPE, signSeal, verifyLedger, type SealKey } from '@ledger/integrity';
import { FixedClock, loadConfig, openEventStore, signToken, sqliteEventStoreFile, type LedgerConfig } from '@ledger/platform';
import { buildEntryPoints } from '@ledger/platform/testing/entry-points';
import { spawnBuilt } from '@ledger/platform/testing/processes';
import { createApp, type LedgerApp } from '../apps/api/src/create-app';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist', `.witness-${process.pid}`);
const CLI = 'apps/cli/src/main.js';
const VERIFY = path.join(ROOT, 'packages/ledger-verify/bin/ledger-verify.js');
const SECRET = 'witness-test-secret-0123456789';
const started = new Set<ChildProcess>();

interface Server {
  config: LedgerConfig;
  store: EventStore;
  app: LedgerApp;
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
  get(route: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

async function serve(dataDir: string, clock: FixedClock): Promise<Server> {
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_JWT_SECRET: SECRET, LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL', LEDGER_SEAL_EVERY: '0' });
  const store = await openEventStore(config, { clock });
  const app = await createApp({ config, clock, store, projector: false, logger: false });
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const token = signToken({ sub: 'inspector-1', role: 'inspector', unitId: null, name: '督查' }, SECRET);
  return {
    config,
    store,
    app,
    url,
    get: async (route) => {
      const res = await fetch(`${url}/api/v1${route}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: await res.json() };
    },
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

async function appendEvents(store: EventStore, streams: string[], each: number): Promise<void> {
  for (const stream of streams) {
    const [last] = (await store.readStream(stream)).slice(-1);
    let rev = last ? last.revision : -1;
    for (let i = 0; i < each; i++) {
      await store.append(
        stream,
        [{ id: randomUUID(), type: 'ProgressReported', schemaVersion: 1, data: { note: `${stream} 进展 ${rev + 1}` }, metadata: {} }],
        rev < 0 ? 'no_stream' : rev,
      );
      rev++;
    }
  }
}

interface Row {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
}

/**
 * The insider's rewrite, done as the server's own code does it: after `edit` changed the events table,
 * every stream link and global link is recomputed in position order, and every seal is signed anew
 * with the server's key over the rewritten global hash and stream-head Merkle root at the position it
 * covers (moved when positions moved). The log tree is derived data: deleted, the server rebuilds it.
 */
function rewriteHistory(config: LedgerConfig, key: SealKey, edit: (db: Database.Database) => void, movedPosition: (p: number) => number = (p) => p): void {
  const db = new Database(sqliteEventStoreFile(config));
  try {
    db.transaction(() => {
      edit(db);
      const rows = db.prepare('SELECT position, id, stream, revision, type, schema_version, data, metadata FROM events ORDER BY position').all() as Row[];
      const prevOf = new Map<string, Buffer>();
      const heads = new MerkleTree();
      const at = new Map<number, { global: Buffer; root: string; size: number }>();
      const update = db.prepare('UPDATE events SET data = ?, stream_hash = ?, global_hash = ? WHERE position = ?');
      let global: Buffer | null = null;
      for (const r of rows) {
        let data = r.data;
        if (r.type === SEAL_EVENT_TYPE) {
          const old = JSON.parse(data) as { position: string; sealedAt: string };
          const covers = movedPosition(Number(old.position));
          const s = at.get(covers)!;
          data = JSON.stringify(
            signSeal(
              { position: String(covers), globalHash: s.global.toString('hex'), merkleRoot: s.root, streams: s.size, sealedAt: old.sealedAt },
              key.privateKey,
            ),
          );
        }
        const link = streamLinkHash(
          r.stream,
          r.revision,
          r.position,
          bodyHashOfText(r.id, r.type, r.schema_version, data, r.metadata),
          prevOf.get(r.stream) ?? null,
        );
        global = globalLinkHash(link, global);
        prevOf.set(r.stream, link);
        heads.set({ stream: r.stream, revision: r.revision, streamHash: link, position: BigInt(r.position) });
        at.set(r.position, { global, root: heads.root.toString('hex'), size: heads.size });
        update.run(data, link, global, r.position);
      }
    })();
  } finally {
    db.close();
  }
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(path.join(config.dataDir, `log-tree.sqlite${suffix}`), { force: true });
}

function verifyOffline(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [VERIFY, ...args], (e, stdout, stderr) => resolve({ code: e ? Number(e.code) : 0, stdout, stderr })),
  );
}

describe('the outside witness and the offline verifier against an insider holding the server', () => {
  beforeAll(() => {
    buildEntryPoints(path.basename(OUT), [CLI.replace(/\.js$/, '.ts')]);
  }, 300_000);
  afterAll(() => {
    for (const c of started) c.kill();
    fs.rmSync(OUT, { recursive: true, force: true });
  });

  /** A ledger witnessed twice and trusted once offline; then `attack` runs on the stopped server and it starts again. */
  async function scenario(
    attack: (s: { config: LedgerConfig; key: SealKey; positionOf: (stream: string, revision: number) => number }) => Promise<void> | void,
    after?: (s: Server) => Promise<void>,
  ) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-witness-'));
    const clock = new FixedClock(new Date('2026-03-02T01:00:00Z'));
    const witnessDir = path.join(dir, 'witness-office');
    const files = {
      state: path.join(witnessDir, 'state.json'),
      key: path.join(witnessDir, 'witness-key.pem'),
      trusted: path.join(dir, 'verifier-trusted.json'),
    };
    const token = signToken({ sub: 'witness-discipline', role: 'discipline', unitId: null, name: '县纪委监委见证' }, SECRET);
    let s = await serve(path.join(dir, 'data'), clock);
    // The witness office got the ledger's public seal key once, out of band, and pins it.
    fs.mkdirSync(witnessDir, { recursive: true });
    const logKey = path.join(witnessDir, 'ledger-seal-key.pub.pem');
    fs.copyFileSync(path.join(s.config.dataDir, 'seal-key.pub.pem'), logKey);
    const witness = async (pinned = logKey) => {
      const p = spawnBuilt(
        path.join(OUT, CLI),
        ['witness', '--url', s.url, '--token', token, '--state', files.state, '--key', files.key, '--log-key', pinned],
        { cwd: dir, env: {}, started },
      );
      return { code: await p.exited, out: p.out() };
    };
    const offline = async (extra: string[] = []) => {
      const cp = await s.get('/log/checkpoint');
      const trusted = JSON.parse(fs.readFileSync(files.trusted, 'utf8')).checkpoint as { treeSize: number };
      fs.writeFileSync(path.join(dir, 'cp.json'), JSON.stringify(cp.body));
      const args = [path.join(dir, 'cp.json'), '--key', path.join(s.config.dataDir, 'seal-key.pub.pem'), '--state', files.trusted];
      if (cp.body.treeSize !== trusted.treeSize) {
        const [from, to] = [Math.min(cp.body.treeSize, trusted.treeSize), Math.max(cp.body.treeSize, trusted.treeSize)];
        const c = await s.get(`/log/consistency?from=${from}&to=${to}`);
        if (c.status === 200) {
          fs.writeFileSync(path.join(dir, 'consistency.json'), JSON.stringify(c.body));
          args.push('--consistency', path.join(dir, 'consistency.json'));
        }
      }
      return verifyOffline([...args, ...extra]);
    };
    try {
      await appendEvents(s.store, ['item-a', 'item-b', 'unit-x', 'item-c'], 3);
      expect((await s.get('/items/a/proof')).status).toBe(200); // seals on demand: the rewrite has a seal to forge
      await appendEvents(s.store, ['item-a', 'item-d'], 2);

      const first = await witness();
      expect(first).toMatchObject({ code: 0 });
      expect(first.out).toMatch(/created a new witness key/);
      expect(first.out).toMatch(/countersigned the checkpoint of 17 events/);
      await appendEvents(s.store, ['item-b'], 2);
      const second = await witness();
      expect(second.out).toMatch(/countersigned the checkpoint of 19 events .*consistent with the one of 17 events/);
      expect(second.code).toBe(0);
      const witnessed = await s.get('/log/checkpoint');
      expect(witnessed.body.witnesses).toHaveLength(1);

      // The offline verifier trusts this witnessed checkpoint (first run), requiring the witness's countersignature.
      fs.writeFileSync(path.join(dir, 'cp.json'), JSON.stringify(witnessed.body));
      const trust = await verifyOffline([
        path.join(dir, 'cp.json'),
        '--key',
        path.join(s.config.dataDir, 'seal-key.pub.pem'),
        '--state',
        files.trusted,
        '--witness-key',
        files.key.replace(/\.pem$/, '.pub.pem'),
        '--require-witnesses',
        '1',
      ]);
      expect(trust.stdout).toMatch(/first run: now trusting this checkpoint \(19 events\)/);
      expect(trust.code).toBe(0);
      const noWitness = await verifyOffline([
        path.join(dir, 'cp.json'),
        '--key',
        path.join(s.config.dataDir, 'seal-key.pub.pem'),
        '--witness-key',
        path.join(s.config.dataDir, 'seal-key.pub.pem'),
        '--require-witnesses',
        '1',
      ]);
      expect(noWitness).toMatchObject({ code: 1, stdout: expect.stringMatching(/0 of the required 1 witness/) });

      const stateBefore = fs.readFileSync(files.state, 'utf8');
      const trustedBefore = fs.readFileSync(files.trusted, 'utf8');
      await s.close();
      const db = new Database(sqliteEventStoreFile(s.config), { readonly: true });
      const positions = new Map(
        (db.prepare('SELECT stream, revision, position FROM events').all() as { stream: string; revision: number; position: number }[]).map((r) => [
          `${r.stream}#${r.revision}`,
          r.position,
        ]),
      );
      db.close();
      const key = loadOrCreateSealKey(path.join(s.config.dataDir, 'seal-key.pem'));
      await attack({ config: s.config, key, positionOf: (stream, revision) => positions.get(`${stream}#${revision}`)! });
      s = await serve(s.config.dataDir, clock);
      await after?.(s);

      // The insider's rewrite passes every check the ledger had before the verifiable log.
      expect(await verifyLedger(s.store, key.publicKey)).toMatchObject({ ok: true });
      return { witness, offline, s, stateBefore, trustedBefore, files };
    } catch (e) {
      await s.close().catch(() => undefined);
      throw e;
    }
  }

  async function expectBothRefuse(run: Awaited<ReturnType<typeof scenario>>, why: RegExp) {
    try {
      const w = await run.witness();
      expect(w.out).toMatch(/REFUSED, nothing countersigned/);
      expect(w.out).toMatch(why);
      expect(w.code).toBe(1);
      expect(fs.readFileSync(run.files.state, 'utf8')).toBe(run.stateBefore);
      expect((await run.s.get('/log/checkpoint')).body.witnesses).toEqual([]);
      const v = await run.offline();
      expect(v.stdout).toMatch(/^NOT verified/);
      expect(v.code).toBe(1);
      expect(fs.readFileSync(run.files.trusted, 'utf8')).toBe(run.trustedBefore);
    } finally {
      await run.s.close();
    }
  }

  it('the untouched ledger: the witness countersigns the next checkpoint, the offline verifier moves its trust with a consistency proof', async () => {
    const run = await scenario(
      () => undefined,
      (s) => appendEvents(s.store, ['item-e'], 3),
    );
    try {
      // A checkpoint signed by another key than the one the witness pinned is refused, and nothing moves.
      const other = path.join(os.tmpdir(), `other-${process.pid}.pub.pem`);
      fs.writeFileSync(other, String(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' })));
      const wrongKey = await run.witness(other);
      expect(wrongKey.out).toMatch(/REFUSED, nothing countersigned: the checkpoint is not signed by the ledger key given in --log-key/);
      expect(wrongKey.code).toBe(1);
      expect(fs.readFileSync(run.files.state, 'utf8')).toBe(run.stateBefore);
      fs.rmSync(other);
      const w = await run.witness();
      expect(w.out).toMatch(/countersigned the checkpoint of 22 events .*consistent with the one of 19 events/);
      expect(w.code).toBe(0);
      const v = await run.offline();
      expect(v.stdout).toMatch(/trusted checkpoint moved from 19 to 22 events \(consistent\)/);
      expect(v.code).toBe(0);
    } finally {
      await run.s.close();
    }
  }, 120_000);

  it('an event changed, every hash, chain and seal recomputed with the server key: both refuse', async () => {
    const run = await scenario(
      ({ config, key, positionOf }) =>
        rewriteHistory(config, key, (db) => {
          db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify({ note: '已按期完成' }), positionOf('item-b', 1));
        }),
      (s) => appendEvents(s.store, ['item-e'], 3),
    );
    await expectBothRefuse(run, /NOT an extension of the tree of 19 events/);
  }, 120_000);

  it('an event removed from the middle, positions closed up and everything recomputed: both refuse', async () => {
    let removed = 0;
    const run = await scenario(
      ({ config, key, positionOf }) => {
        removed = positionOf('unit-x', 2);
        rewriteHistory(
          config,
          key,
          (db) => {
            db.prepare('DELETE FROM events WHERE position = ?').run(removed);
            const later = db.prepare('SELECT position FROM events WHERE position > ? ORDER BY position').pluck().all(removed) as number[];
            const move = db.prepare('UPDATE events SET position = ? WHERE position = ?');
            for (const p of later) move.run(p - 1, p);
          },
          (p) => (p > removed ? p - 1 : p),
        );
      },
      (s) => appendEvents(s.store, ['item-e'], 4),
    );
    await expectBothRefuse(run, /NOT an extension of the tree of 19 events/);
  }, 120_000);

  it('the tail truncated: both refuse', async () => {
    const run = await scenario(({ config }) => {
      const db = new Database(sqliteEventStoreFile(config));
      db.prepare('DELETE FROM events WHERE position > 16').run();
      db.close();
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(path.join(config.dataDir, `log-tree.sqlite${suffix}`), { force: true });
    });
    await expectBothRefuse(run, /the log shrank from 19 to 16 events/);
  }, 120_000);

  it('a checkpoint of the same size re-signed after a rewrite: both refuse', async () => {
    const run = await scenario(({ config, key, positionOf }) =>
      rewriteHistory(config, key, (db) => {
        db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify({ note: '已整改' }), positionOf('item-a', 0));
      }),
    );
    await expectBothRefuse(run, /the tree of 19 events now has root [0-9a-f]{64}, not [0-9a-f]{64} as countersigned: history was rewritten/);
  }, 120_000);
});
