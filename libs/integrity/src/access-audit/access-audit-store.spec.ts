import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { PostgresAccessAuditStore, SqliteAccessAuditStore, type AccessAuditStore } from './access-audit-store';
import { verifyAccessAudit } from './access-chain';
import { accessEntry } from './testing/entry';

const pg = useTestPostgres();

interface Engine {
  name: string;
  open(): Promise<{ store: AccessAuditStore; second(): Promise<AccessAuditStore>; sql(statement: string): Promise<void>; cleanup(): Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'access-audit-'));
      const file = path.join(dir, 'access-audit.sqlite');
      const stores: AccessAuditStore[] = [SqliteAccessAuditStore.open(file, { synchronous: 'NORMAL' })];
      return {
        store: stores[0],
        second: async () => {
          stores.push(SqliteAccessAuditStore.open(file, { synchronous: 'NORMAL' }));
          return stores[stores.length - 1];
        },
        sql: async (statement) => {
          const db = new Database(file);
          try {
            db.exec(statement);
          } finally {
            db.close();
          }
        },
        cleanup: async () => {
          for (const s of stores) await s.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const url = await pg.freshDatabase();
      const stores: AccessAuditStore[] = [await PostgresAccessAuditStore.open(url)];
      return {
        store: stores[0],
        second: async () => {
          stores.push(await PostgresAccessAuditStore.open(url));
          return stores[stores.length - 1];
        },
        sql: async (statement) => {
          const c = new Client({ connectionString: url });
          await c.connect();
          try {
            await c.query(statement);
          } finally {
            await c.end();
          }
        },
        cleanup: async () => {
          for (const s of stores) await s.close();
        },
      };
    },
  },
];

const entry = accessEntry;

const NO_UPDATE = {
  sqlite: 'DROP TRIGGER access_audit_no_update; DROP TRIGGER access_audit_no_delete;',
  postgres: 'DROP TRIGGER access_audit_append_only ON access_audit',
};

describe.each(engines)('access audit store on $name', (engine) => {
  let ctx: Awaited<ReturnType<Engine['open']>>;
  beforeEach(async () => {
    ctx = await engine.open();
  });
  afterEach(async () => {
    await ctx.cleanup();
  });

  it('chains each entry to the one before as SHA-256(previous hash ‖ canonical text), from 32 zero bytes', async () => {
    const [first, second] = await ctx.store.append([
      entry({ at: '2026-03-02T01:00:00.000Z' }),
      entry({
        at: '2026-03-02T01:00:01.000Z',
        actor: null,
        role: null,
        name: null,
        action: 'refused',
        outcome: 'refused',
        status: 401,
        detail: { code: 'UNAUTHENTICATED' },
      }),
    ]);
    // Written out from the format in access-chain.ts, with node:crypto.
    const text1 =
      '["access-audit/1","1","2026-03-02T01:00:00.000Z","u-1","inspector","张督查","127.0.0.1","register-read","GET /api/v1/accountability","ok",200,null]';
    const hash1 = createHash('sha256').update(Buffer.alloc(32)).update(text1, 'utf8').digest('hex');
    const text2 =
      '["access-audit/1","2","2026-03-02T01:00:01.000Z",null,null,null,"127.0.0.1","refused","GET /api/v1/accountability","refused",401,"{\\"code\\":\\"UNAUTHENTICATED\\"}"]';
    const hash2 = createHash('sha256').update(Buffer.from(hash1, 'hex')).update(text2, 'utf8').digest('hex');
    expect([first.seq, first.hash, second.seq, second.hash]).toEqual([1, hash1, 2, hash2]);
    expect(await ctx.store.head()).toEqual({ seq: 2, hash: hash2, prunedThrough: 0, anchor: '0'.repeat(64) });
    expect(await verifyAccessAudit(ctx.store)).toEqual({ ok: true, checked: 2, head: 2, prunedThrough: 0 });
  });

  it('numbers entries from two writers (two connections) gap-free in commit order', async () => {
    const other = await ctx.second();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      writes.push(
        (i % 2 ? other : ctx.store).append([
          entry({ at: `2026-03-02T01:00:${String(i).padStart(2, '0')}.000Z`, target: `t${i}` }),
          entry({ at: '2026-03-02T02:00:00.000Z', target: `t${i}b` }),
        ]),
      );
    }
    await Promise.all(writes);
    const all = await ctx.store.entriesAfter(0, 1000);
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // A batch stays together: its two entries are neighbours.
    for (let i = 0; i < 40; i += 2) expect(all[i + 1].target).toBe(`${all[i].target}b`);
    expect((await verifyAccessAudit(other, { batchSize: 7 })).ok).toBe(true);
  });

  it('filters by actor, action and period (from inclusive, to exclusive), oldest first, with the total', async () => {
    await ctx.store.append([
      entry({ at: '2026-03-01T00:00:00.000Z', actor: 'a' }),
      entry({ at: '2026-03-02T00:00:00.000Z', actor: 'b', action: 'export' }),
      entry({ at: '2026-03-03T00:00:00.000Z', actor: 'a', action: 'export' }),
      entry({ at: '2026-03-04T00:00:00.000Z', actor: 'a' }),
    ]);
    const seqs = async (f: Parameters<AccessAuditStore['query']>[0], offset = 0, limit = 10) => {
      const r = await ctx.store.query(f, offset, limit);
      return [r.entries.map((e) => e.seq), r.total];
    };
    expect(await seqs({ actor: 'a' })).toEqual([[1, 3, 4], 3]);
    expect(await seqs({ action: 'export' })).toEqual([[2, 3], 2]);
    expect(await seqs({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z' })).toEqual([[2, 3], 2]);
    expect(await seqs({ actor: 'a', action: 'export' })).toEqual([[3], 1]);
    expect(await seqs({}, 1, 2)).toEqual([[2, 3], 4]);
  });

  it('refuses an update or a deletion through the database triggers', async () => {
    await ctx.store.append([entry({ at: '2026-03-01T00:00:00.000Z' })]);
    await expect(ctx.sql("UPDATE access_audit SET actor = 'x' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(ctx.sql('DELETE FROM access_audit WHERE seq = 1')).rejects.toThrow(/retention pruning/);
  });

  it('names the first altered, missing or trailing-deleted entry', async () => {
    await ctx.store.append([1, 2, 3, 4, 5].map((i) => entry({ at: `2026-03-0${i}T00:00:00.000Z`, target: `t${i}` })));
    await ctx.sql(NO_UPDATE[engine.name as 'sqlite' | 'postgres']);
    await ctx.sql("UPDATE access_audit SET actor = 'someone-else' WHERE seq = 3");
    expect((await verifyAccessAudit(ctx.store)).firstBreak).toMatchObject({ seq: 3, reason: 'hash_mismatch' });
    await ctx.sql("UPDATE access_audit SET actor = 'u-1' WHERE seq = 3");
    expect((await verifyAccessAudit(ctx.store)).ok).toBe(true);
    await ctx.sql('DELETE FROM access_audit WHERE seq = 5');
    expect((await verifyAccessAudit(ctx.store)).firstBreak).toMatchObject({ seq: 5, reason: 'head_mismatch' });
    await ctx.sql('DELETE FROM access_audit WHERE seq = 2');
    expect((await verifyAccessAudit(ctx.store)).firstBreak).toMatchObject({ seq: 2, reason: 'seq_gap' });
  });

  it('prunes the oldest entries before the cutoff, keeps their last hash as the anchor, records the prune, and still verifies', async () => {
    const written = await ctx.store.append([
      entry({ at: '2026-01-01T00:00:00.000Z', target: 'old1' }),
      entry({ at: '2026-01-02T00:00:00.000Z', target: 'old2' }),
      entry({ at: '2026-06-01T00:00:00.000Z', target: 'new1' }),
      // Recorded later but stamped earlier (another process's clock): kept, since an entry after it is kept.
      entry({ at: '2026-01-03T00:00:00.000Z', target: 'late' }),
    ]);
    expect(await ctx.store.prune('2026-03-01T00:00:00.000Z', '2026-08-28T00:00:00.000Z', 180)).toEqual({ pruned: 2, through: 2 });
    const kept = await ctx.store.entriesAfter(0, 100);
    expect(kept.map((e) => [e.seq, e.target, e.action])).toEqual([
      [3, 'new1', 'register-read'],
      [4, 'late', 'register-read'],
      [5, 'access-audit', 'audit-pruned'],
    ]);
    expect(JSON.parse(kept[2].detail as string)).toEqual({ through: 2, anchor: written[1].hash, count: 2, retentionDays: 180 });
    expect(await ctx.store.head()).toMatchObject({ seq: 5, prunedThrough: 2, anchor: written[1].hash });
    expect(await verifyAccessAudit(ctx.store)).toEqual({ ok: true, checked: 3, head: 5, prunedThrough: 2 });
    expect(await ctx.store.prune('2026-03-01T00:00:00.000Z', '2026-08-29T00:00:00.000Z', 180)).toEqual({ pruned: 0, through: 2 });
    expect((await ctx.store.head()).seq).toBe(5);

    // Deleting one more old entry and moving the anchor by hand: no prune record says so.
    await ctx.sql(NO_UPDATE[engine.name as 'sqlite' | 'postgres']);
    await ctx.sql(`UPDATE access_audit_head SET pruned_through = 3, anchor = '${written[2].hash}'`);
    await ctx.sql('DELETE FROM access_audit WHERE seq = 3');
    expect((await verifyAccessAudit(ctx.store)).firstBreak).toMatchObject({ seq: 4, reason: 'prune_anchor_mismatch' });
  });
});
