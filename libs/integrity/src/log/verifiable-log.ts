import type { EventStore, StoredEvent, Subscription } from '@ledger/event-store';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { cosignatureValid, ED25519, signCheckpoint, type Checkpoint, type SignatureScheme, type WitnessSignature } from './checkpoint';
import { sqliteCheckpoints, type CheckpointStore } from './checkpoint-store';
import type { LogTreeStore } from './log-tree-store';
import { consistencyProof, inclusionPath } from './rfc9162';

export class LogRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 422,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface InclusionAnswer {
  position: string;
  treeSize: number;
  leafIndex: number;
  /** The RFC 9162 leaf hash H(0x00 ‖ event hash), hex. */
  leafHash: string;
  proof: string[];
}

export interface ConsistencyAnswer {
  from: number;
  to: number;
  proof: string[];
}

export interface VerifiableLogOptions {
  clock?: { now(): Date };
  scheme?: SignatureScheme;
  /** The scheme's public key when it is not an Ed25519 KeyObject's (SM2: the 04‖x‖y hex). */
  publicKey?: unknown;
  /** Puts an RFC 3161 token on each checkpoint issued (LEDGER_TSA_URL); a TSA that fails leaves it without. */
  stamper?: { stamp(cp: Checkpoint): Promise<Checkpoint> };
  onError?: (e: unknown) => void;
  /** Where issued checkpoints and countersignatures are kept (LEDGER_LOG_STORE); default: the tree's own file. */
  checkpoints?: CheckpointStore;
  /** Done before the tree follows the store (again after a failure): gives a new tree its first leaf (settleFirstLeaf). */
  prepare?: () => Promise<void>;
}

/**
 * The log as a Merkle tree (RFC 9162): follows the event store like a projector, appending each
 * event's stored hash as a leaf to the tree store (which remembers where it stopped), signs
 * checkpoints with the server's seal key and answers proofs from the stored subtrees.
 */
export class VerifiableLog {
  private subscription: Subscription | null = null;
  private starting: Promise<Subscription> | null = null;
  private issuing: Promise<Checkpoint | null> | null = null;
  private readonly clock: { now(): Date };
  private readonly scheme: SignatureScheme;
  private readonly publicKey: unknown;
  readonly checkpoints: CheckpointStore;

  constructor(
    private readonly store: EventStore,
    readonly tree: LogTreeStore,
    private readonly privateKey: KeyObject | string,
    private readonly options: VerifiableLogOptions = {},
  ) {
    this.clock = options.clock ?? { now: () => new Date() };
    this.scheme = options.scheme ?? ED25519;
    this.publicKey = options.publicKey ?? createPublicKey(privateKey as KeyObject);
    this.checkpoints = options.checkpoints ?? sqliteCheckpoints(tree);
  }

  get algorithm(): string {
    return `${this.tree.hash.name}-${this.scheme.name}`;
  }

  start(): void {
    void this.started().catch((e) => this.options.onError?.(e));
  }

  private started(): Promise<Subscription> {
    this.starting ??= (async () => {
      await this.options.prepare?.();
      await this.checkResume();
      this.subscription = this.store.subscribe((events) => this.onEvents(events), { after: this.tree.lastPosition, batchSize: 2000 });
      return this.subscription;
    })().catch((e) => {
      this.starting = null;
      throw e;
    });
    return this.starting;
  }

  /** The tree's newest leaf must still be the event the store keeps there: a store swapped or edited under the tree is said, not followed. */
  private async checkResume(): Promise<void> {
    const last = this.tree.lastPosition;
    if (last === 0n) return;
    const [e] = await this.store.readAll({ after: last - 1n, limit: 1 });
    const kept = this.tree.leafAt(last);
    if (!e || e.position !== last || !kept || e.streamHash !== kept.leaf.toString('hex')) {
      throw new LogRequestError(
        409,
        'LOG_TREE_MISMATCH',
        `the log tree's leaf at position ${last} is not the event the store keeps there: rebuild the tree file or find who changed the store`,
      );
    }
  }

  private onEvents(events: StoredEvent[]): void {
    this.tree.append(
      events.map((e) => {
        if (!e.streamHash) throw new Error(`event at position ${e.position} has no stored hash`);
        return { position: e.position, leaf: Buffer.from(e.streamHash, 'hex') };
      }),
    );
  }

  async caughtUp(): Promise<void> {
    await (await this.started()).caughtUp();
  }

  /**
   * The newest checkpoint, issuing one for the current tree size when the tree grew since the newest
   * issued (so every answer is a checkpoint a witness can find again by its size). null: empty log.
   */
  async checkpoint(): Promise<Checkpoint | null> {
    await this.caughtUp();
    this.issuing ??= Promise.resolve()
      .then(async () => {
        const size = this.tree.size;
        const newest = await this.checkpoints.newestCheckpoint();
        if (newest && newest.treeSize >= size) return this.ofThisTree(newest);
        if (size === 0) return null;
        const cp = signCheckpoint(
          { treeSize: size, root: this.tree.root(size).toString('hex'), algorithm: this.algorithm, issuedAt: this.clock.now().toISOString() },
          this.privateKey,
          this.scheme,
          this.publicKey,
        );
        return this.ofThisTree(await this.checkpoints.saveCheckpoint(this.options.stamper ? await this.options.stamper.stamp(cp) : cp));
      })
      .finally(() => {
        this.issuing = null;
      });
    return this.issuing;
  }

  /**
   * A kept checkpoint (maybe another instance's) must be this tree's at its size: a tree file that another
   * instance would not derive (a suite switch done apart, another store) is said, not served with proofs that fail.
   */
  private ofThisTree(cp: Checkpoint): Checkpoint {
    if (cp.treeSize > this.tree.size) return cp;
    const root = this.tree.root(cp.treeSize).toString('hex');
    if (root !== cp.root)
      throw new LogRequestError(
        409,
        'LOG_TREE_MISMATCH',
        `the checkpoint kept for ${cp.treeSize} events has root ${cp.root}, this instance's tree has ${root}: its tree file was not derived from the same log (a suite switch done apart, another store): rebuild it`,
      );
    return cp;
  }

  async inclusion(position: bigint, treeSize?: number): Promise<InclusionAnswer> {
    await this.caughtUp();
    const size = treeSize ?? this.tree.size;
    if (size > this.tree.size) throw new LogRequestError(422, 'TREE_SIZE_TOO_LARGE', `treeSize ${size} is larger than the tree (${this.tree.size})`);
    const leaf = this.tree.leafAt(position);
    if (!leaf) throw new LogRequestError(404, 'LOG_POSITION_NOT_FOUND', `no event at position ${position}`);
    if (leaf.index >= size)
      throw new LogRequestError(422, 'POSITION_NOT_IN_TREE', `the event at position ${position} is leaf ${leaf.index}, not in a tree of ${size}`);
    return {
      position: position.toString(),
      treeSize: size,
      leafIndex: leaf.index,
      leafHash: this.tree.node(0, leaf.index).toString('hex'),
      proof: inclusionPath(this.tree, leaf.index, size).map((h) => h.toString('hex')),
    };
  }

  /** The event's inclusion in the first timestamped checkpoint whose tree holds it (null: none yet). */
  async timestampedInclusion(position: bigint): Promise<{ checkpoint: Checkpoint; leafIndex: number; proof: string[] } | null> {
    await this.caughtUp();
    const leaf = this.tree.leafAt(position);
    const checkpoint = leaf ? await this.checkpoints.timestampedCovering(leaf.index) : null;
    if (!leaf || !checkpoint) return null;
    return { checkpoint, leafIndex: leaf.index, proof: inclusionPath(this.tree, leaf.index, checkpoint.treeSize).map((h) => h.toString('hex')) };
  }

  async consistency(from: number, to?: number): Promise<ConsistencyAnswer> {
    await this.caughtUp();
    const size = to ?? this.tree.size;
    if (from > this.tree.size || size > this.tree.size)
      throw new LogRequestError(422, 'TREE_SIZE_TOO_LARGE', `the tree has ${this.tree.size} leaves: no consistency proof from ${from} to ${size}`);
    if (from < 1 || from > size) throw new LogRequestError(400, 'BAD_TREE_SIZES', `from must be at least 1 and at most to (${from}, ${size})`);
    return { from, to: size, proof: consistencyProof(this.tree, from, size).map((h) => h.toString('hex')) };
  }

  /**
   * Stores a witness's countersignature of a checkpoint this log issued, once it checks against the
   * witness's public key (sent along: the ledger does not choose whom to trust, the verifier does).
   */
  async addWitness(
    input: { treeSize: unknown; keyId: unknown; signature: unknown; publicKey: unknown },
    /** Awaited once the countersignature checks, before it is stored (the API's access audit entry). */
    beforeStore?: () => Promise<void>,
  ): Promise<Checkpoint> {
    if (
      !Number.isSafeInteger(input.treeSize) ||
      typeof input.signature !== 'string' ||
      typeof input.publicKey !== 'string' ||
      typeof input.keyId !== 'string'
    ) {
      throw new LogRequestError(400, 'BAD_COSIGNATURE', 'expected { treeSize, keyId, signature, publicKey }');
    }
    const cp = await this.checkpoints.checkpoint(input.treeSize as number);
    if (!cp) throw new LogRequestError(404, 'CHECKPOINT_NOT_FOUND', `no checkpoint was issued for tree size ${String(input.treeSize)}`);
    let key: KeyObject;
    try {
      key = createPublicKey(input.publicKey);
    } catch {
      throw new LogRequestError(400, 'BAD_COSIGNATURE', 'publicKey is not a PEM public key');
    }
    const w: WitnessSignature = { keyId: input.keyId, signature: input.signature };
    if (!cosignatureValid(cp, w, key))
      throw new LogRequestError(422, 'COSIGNATURE_INVALID', 'the countersignature does not verify with the given key over this checkpoint');
    await beforeStore?.();
    await this.checkpoints.addWitness(cp.treeSize, w, String(key.export({ type: 'spki', format: 'pem' })));
    return (await this.checkpoints.checkpoint(cp.treeSize)) as Checkpoint;
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.subscription?.stop();
    this.subscription = null;
  }
}
