import Database from 'better-sqlite3';
import { ensureDatabaseFile } from '@ledger/event-store/data-folder';
import type { Checkpoint, WitnessSignature } from './checkpoint';
import { rfcLeafHash, rfcNodeHash, SHA256, treeRoot, type CompleteSubtrees, type HashFunction } from './rfc9162';

/**
 * The verifiable log's tree, kept in its own SQLite file (default `<data dir>/log-tree.sqlite`):
 * every complete subtree's hash, appended as leaves arrive (each append adds one leaf and the
 * ~1 node it completes), so that any proof reads O(log n) rows instead of passing over the log.
 * The leaves and nodes are derived from the event log and can be rebuilt from it; the checkpoints
 * issued and the witnesses' countersignatures are not: they are kept here beside the tree.
 */
export class LogTreeStore implements CompleteSubtrees {
  private readonly db: Database.Database;
  private count: number;
  private last: bigint;
  private readonly stmt;
  /** The node at each level still waiting for its right sibling (an even index): saves a read per append. */
  private readonly pending = new Map<number, { index: number; hash: Buffer }>();

  constructor(
    file: string,
    readonly hash: HashFunction = SHA256,
  ) {
    // 0600 before SQLite creates it (its -wal and -shm take the database's mode), as every data file is.
    if (file !== ':memory:') ensureDatabaseFile(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS leaves (idx INTEGER PRIMARY KEY, position INTEGER NOT NULL UNIQUE, leaf BLOB NOT NULL, hash BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS checkpoints (tree_size INTEGER PRIMARY KEY, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS witnesses (tree_size INTEGER NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL, public_key TEXT NOT NULL, PRIMARY KEY (tree_size, key_id));
    `);
    const stored = (this.db.prepare("SELECT v FROM meta WHERE k = 'hash'").get() as { v: string } | undefined)?.v;
    if (stored === undefined) this.db.prepare("INSERT INTO meta (k, v) VALUES ('hash', ?)").run(hash.name);
    else if (stored !== hash.name) throw new Error(`${file} holds a ${stored} tree, not ${hash.name}: a new suite starts a new tree (another file)`);
    this.stmt = {
      insertLeaf: this.db.prepare('INSERT INTO leaves (idx, position, leaf, hash) VALUES (?, ?, ?, ?)'),
      insertNode: this.db.prepare('INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)'),
      leafHash: this.db.prepare('SELECT hash FROM leaves WHERE idx = ?').pluck(),
      node: this.db.prepare('SELECT hash FROM nodes WHERE level = ? AND idx = ?').pluck(),
      leafAt: this.db.prepare('SELECT idx, leaf FROM leaves WHERE position = ?').safeIntegers(),
      leafByIndex: this.db.prepare('SELECT position, leaf FROM leaves WHERE idx = ?').safeIntegers(),
      checkpoint: this.db.prepare('SELECT body FROM checkpoints WHERE tree_size = ?').pluck(),
      newest: this.db.prepare('SELECT body FROM checkpoints ORDER BY tree_size DESC LIMIT 1').pluck(),
      timestampedCovering: this.db
        .prepare("SELECT body FROM checkpoints WHERE tree_size > ? AND json_extract(body, '$.timestamp') IS NOT NULL ORDER BY tree_size LIMIT 1")
        .pluck(),
      saveCheckpoint: this.db.prepare('INSERT OR IGNORE INTO checkpoints (tree_size, body) VALUES (?, ?)'),
      witnesses: this.db.prepare('SELECT key_id AS keyId, signature FROM witnesses WHERE tree_size = ? ORDER BY key_id'),
      addWitness: this.db.prepare('INSERT OR REPLACE INTO witnesses (tree_size, key_id, signature, public_key) VALUES (?, ?, ?, ?)'),
    };
    const head = this.db.prepare('SELECT idx, position FROM leaves ORDER BY idx DESC LIMIT 1').safeIntegers().get() as
      { idx: bigint; position: bigint } | undefined;
    this.count = head ? Number(head.idx) + 1 : 0;
    this.last = head ? head.position : 0n;
  }

  /** Leaves in the tree. */
  get size(): number {
    return this.count;
  }

  /** The log position of the newest leaf (0n: none). */
  get lastPosition(): bigint {
    return this.last;
  }

  /** Appends leaves (each an event's stored hash, at its position) in one transaction, completing the subtrees they close. */
  append(entries: { position: bigint; leaf: Buffer }[]): void {
    if (!entries.length) return;
    this.db.transaction(() => {
      for (const e of entries) {
        // Position 0 is no event's: only a first leaf that continues another suite's tree (suite-switch.ts) takes it.
        if (this.count > 0 ? e.position <= this.last : e.position < 0n)
          throw new Error(`position ${e.position} is not after the tree's last leaf (${this.last})`);
        const i = this.count;
        let h = rfcLeafHash(this.hash, e.leaf);
        this.stmt.insertLeaf.run(i, e.position, e.leaf, h);
        let level = 0;
        let index = i;
        while (index % 2 === 1) {
          const left = this.pending.get(level);
          const leftHash = left?.index === index - 1 ? left.hash : this.node(level, index - 1);
          this.pending.delete(level);
          h = rfcNodeHash(this.hash, leftHash, h);
          level++;
          index = (index - 1) / 2;
          this.stmt.insertNode.run(level, index, h);
        }
        this.pending.set(level, { index, hash: h });
        this.count = i + 1;
        this.last = e.position;
      }
    })();
  }

  node(level: number, index: number): Buffer {
    const h = (level === 0 ? this.stmt.leafHash.get(index) : this.stmt.node.get(level, index)) as Buffer | undefined;
    if (!h) throw new Error(`the log tree has no node ${level}/${index} (size ${this.count})`);
    return h;
  }

  root(size = this.count): Buffer {
    return treeRoot(this, size);
  }

  /** The leaf index of the event at `position`, and the event hash stored for it. */
  leafAt(position: bigint): { index: number; leaf: Buffer } | undefined {
    const r = this.stmt.leafAt.get(position) as { idx: bigint; leaf: Buffer } | undefined;
    return r ? { index: Number(r.idx), leaf: r.leaf } : undefined;
  }

  leafByIndex(index: number): { position: bigint; leaf: Buffer } | undefined {
    return this.stmt.leafByIndex.get(index) as { position: bigint; leaf: Buffer } | undefined;
  }

  checkpoint(treeSize: number): Checkpoint | null {
    const body = this.stmt.checkpoint.get(treeSize) as string | undefined;
    return body ? this.withWitnesses(JSON.parse(body) as Checkpoint) : null;
  }

  newestCheckpoint(): Checkpoint | null {
    const body = this.stmt.newest.get() as string | undefined;
    return body ? this.withWitnesses(JSON.parse(body) as Checkpoint) : null;
  }

  /** The first checkpoint carrying an RFC 3161 token whose tree holds leaf `index`: the earliest trusted time by which that event existed. */
  timestampedCovering(index: number): Checkpoint | null {
    const body = this.stmt.timestampedCovering.get(index) as string | undefined;
    return body ? this.withWitnesses(JSON.parse(body) as Checkpoint) : null;
  }

  private withWitnesses(cp: Checkpoint): Checkpoint {
    return { ...cp, witnesses: this.stmt.witnesses.all(cp.treeSize) as WitnessSignature[] };
  }

  /** Keeps the first checkpoint issued for a size; answers the one kept. */
  saveCheckpoint(cp: Checkpoint): Checkpoint {
    const { witnesses: _w, ...body } = cp;
    this.stmt.saveCheckpoint.run(cp.treeSize, JSON.stringify(body));
    return this.checkpoint(cp.treeSize) as Checkpoint;
  }

  addWitness(treeSize: number, w: WitnessSignature, publicKeyPem: string): void {
    this.stmt.addWitness.run(treeSize, w.keyId, w.signature, publicKeyPem);
  }

  close(): void {
    this.db.close();
  }
}
