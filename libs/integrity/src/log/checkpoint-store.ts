import type { Pool } from 'pg';
import { inTransaction, resilientPool } from '@ledger/event-store';
import type { Checkpoint, WitnessSignature } from './checkpoint';
import type { LogTreeStore } from './log-tree-store';

/**
 * Where the log's issued checkpoints and the witnesses' countersignatures are kept: what cannot be
 * rebuilt from the event log. The stored subtrees can (each instance derives the same tree from the
 * same events and the same first leaf), so they stay in the instance's own tree file; these are shared
 * when several API instances serve one ledger, so that a witness countersigning through one is served
 * by all of them and every instance answers the one checkpoint kept for a tree size. So is the tree's
 * first leaf: a suite switch's leaf 0 is not derived from the events but made by the instance that
 * switches (its clock, its old tree), so the first instance to start a tree decides it for all.
 */
export interface CheckpointStore {
  checkpoint(treeSize: number): Promise<Checkpoint | null>;
  newestCheckpoint(): Promise<Checkpoint | null>;
  /** The first checkpoint carrying an RFC 3161 token whose tree holds leaf `index`. */
  timestampedCovering(index: number): Promise<Checkpoint | null>;
  /** Keeps the first checkpoint stored for a size (another instance may have stored one first); answers the one kept. */
  saveCheckpoint(cp: Checkpoint): Promise<Checkpoint>;
  addWitness(treeSize: number, w: WitnessSignature, publicKeyPem: string): Promise<void>;
  /**
   * The tree's first leaf as decided when it was started: the suite-switch leaf (suite-switch.ts), null
   * when the tree begins with the first event, undefined while no instance has started this tree.
   */
  firstLeaf(): Promise<Buffer | null | undefined>;
  /** Keeps the first decision stored (another instance may have stored one first); answers the one kept. */
  saveFirstLeaf(leaf: Buffer | null): Promise<Buffer | null>;
  close(): Promise<void>;
}

/** The leaf 0 a tree holds, when it is a switch leaf (position 0, before every event); null when the tree begins with an event. */
export function switchLeafOf(tree: LogTreeStore): Buffer | null {
  const first = tree.leafByIndex(0);
  return first && first.position === 0n ? first.leaf : null;
}

/** The checkpoints in the tree's own SQLite file (one API instance). */
export function sqliteCheckpoints(tree: LogTreeStore): CheckpointStore {
  return {
    checkpoint: async (size) => tree.checkpoint(size),
    newestCheckpoint: async () => tree.newestCheckpoint(),
    timestampedCovering: async (index) => tree.timestampedCovering(index),
    saveCheckpoint: async (cp) => tree.saveCheckpoint(cp),
    addWitness: async (size, w, pem) => tree.addWitness(size, w, pem),
    // The tree file is this instance's own: its leaf 0 is the decision, made when the first leaf was appended.
    firstLeaf: async () => (tree.size === 0 ? undefined : switchLeafOf(tree)),
    saveFirstLeaf: async (leaf) => (tree.size === 0 ? leaf : switchLeafOf(tree)),
    close: async () => undefined,
  };
}

/** LEDGER_LOG_STORE: where checkpoints and countersignatures are kept. auto: PostgreSQL when the event store is. */
export function logStoreKind(eventStore: string, env: NodeJS.ProcessEnv = process.env): 'sqlite' | 'postgres' {
  const v = env.LEDGER_LOG_STORE || 'auto';
  if (v === 'sqlite' || v === 'postgres') {
    if (v === 'postgres' && eventStore !== 'postgres')
      throw new Error(`LEDGER_LOG_STORE=postgres needs the PostgreSQL event store (LEDGER_EVENT_STORE=postgres), not ${eventStore}`);
    return v;
  }
  if (v !== 'auto') throw new Error(`LEDGER_LOG_STORE=${v}: expected auto, sqlite or postgres`);
  return eventStore === 'postgres' ? 'postgres' : 'sqlite';
}

const SCHEMA = 'ledger_log';

/*
 * One forward-only step each; `tree` is the tree's hash name (sha256, sm3): a suite switch starts a new
 * tree whose sizes would otherwise collide with the old one's.
 */
const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE ${SCHEMA}.checkpoints (
        tree text NOT NULL, tree_size bigint NOT NULL, body text NOT NULL, timestamped boolean NOT NULL,
        PRIMARY KEY (tree, tree_size));
      CREATE TABLE ${SCHEMA}.witnesses (
        tree text NOT NULL, tree_size bigint NOT NULL, key_id text NOT NULL, signature text NOT NULL, public_key text NOT NULL,
        PRIMARY KEY (tree, tree_size, key_id));`,
  },
  {
    version: 2,
    // leaf NULL: the tree begins with the first event (no switch).
    sql: `CREATE TABLE ${SCHEMA}.first_leaves (tree text PRIMARY KEY, leaf bytea);`,
  },
];

/** The checkpoints in the event store's PostgreSQL database, schema ledger_log, shared by every API instance. */
export class PostgresCheckpointStore implements CheckpointStore {
  private readonly ready: Promise<void>;

  constructor(
    private readonly pool: Pool,
    private readonly tree: string,
    private readonly ownsPool = false,
  ) {
    this.ready = migrateLogStore(pool);
    this.ready.catch(() => undefined);
  }

  static open(url: string, tree: string): PostgresCheckpointStore {
    return new PostgresCheckpointStore(resilientPool(url, 4), tree, true);
  }

  private async one(sql: string, params: unknown[]): Promise<Checkpoint | null> {
    await this.ready;
    const { rows } = await this.pool.query<{ body: string; tree_size: string }>(sql, params);
    if (!rows.length) return null;
    const cp = JSON.parse(rows[0].body) as Checkpoint;
    const w = await this.pool.query<WitnessSignature>(
      `SELECT key_id AS "keyId", signature FROM ${SCHEMA}.witnesses WHERE tree = $1 AND tree_size = $2 ORDER BY key_id COLLATE "C"`,
      [this.tree, cp.treeSize],
    );
    return { ...cp, witnesses: w.rows };
  }

  checkpoint(treeSize: number): Promise<Checkpoint | null> {
    return this.one(`SELECT body FROM ${SCHEMA}.checkpoints WHERE tree = $1 AND tree_size = $2`, [this.tree, treeSize]);
  }

  newestCheckpoint(): Promise<Checkpoint | null> {
    return this.one(`SELECT body FROM ${SCHEMA}.checkpoints WHERE tree = $1 ORDER BY tree_size DESC LIMIT 1`, [this.tree]);
  }

  timestampedCovering(index: number): Promise<Checkpoint | null> {
    return this.one(`SELECT body FROM ${SCHEMA}.checkpoints WHERE tree = $1 AND tree_size > $2 AND timestamped ORDER BY tree_size LIMIT 1`, [this.tree, index]);
  }

  async saveCheckpoint(cp: Checkpoint): Promise<Checkpoint> {
    await this.ready;
    const { witnesses: _w, ...body } = cp;
    // Two instances issuing the same size: the first row stays (an SM2 signature differs each time), both answer it.
    await this.pool.query(`INSERT INTO ${SCHEMA}.checkpoints (tree, tree_size, body, timestamped) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [
      this.tree,
      cp.treeSize,
      JSON.stringify(body),
      cp.timestamp !== undefined,
    ]);
    return (await this.checkpoint(cp.treeSize)) as Checkpoint;
  }

  async addWitness(treeSize: number, w: WitnessSignature, publicKeyPem: string): Promise<void> {
    await this.ready;
    await this.pool.query(
      `INSERT INTO ${SCHEMA}.witnesses (tree, tree_size, key_id, signature, public_key) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tree, tree_size, key_id) DO UPDATE SET signature = EXCLUDED.signature, public_key = EXCLUDED.public_key`,
      [this.tree, treeSize, w.keyId, w.signature, publicKeyPem],
    );
  }

  async firstLeaf(): Promise<Buffer | null | undefined> {
    await this.ready;
    const { rows } = await this.pool.query<{ leaf: Buffer | null }>(`SELECT leaf FROM ${SCHEMA}.first_leaves WHERE tree = $1`, [this.tree]);
    return rows.length ? rows[0].leaf : undefined;
  }

  async saveFirstLeaf(leaf: Buffer | null): Promise<Buffer | null> {
    await this.ready;
    // Two instances starting the tree together: the first row stays, both build on it.
    await this.pool.query(`INSERT INTO ${SCHEMA}.first_leaves (tree, leaf) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [this.tree, leaf]);
    return (await this.firstLeaf()) as Buffer | null;
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    if (this.ownsPool) await this.pool.end();
  }
}

/** Creates the ledger_log schema and runs its migrations once, under an advisory lock (instances starting together). */
export async function migrateLogStore(pool: Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('ledger_log migrations'))");
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${SCHEMA}.migrations`);
    const at = rows[0].v ?? 0;
    for (const m of MIGRATIONS.filter((x) => x.version > at)) {
      await client.query(m.sql);
      await client.query(`INSERT INTO ${SCHEMA}.migrations (version) VALUES ($1)`, [m.version]);
    }
  });
}
