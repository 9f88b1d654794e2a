import { ConcurrencyError, type EventStore, type StoredEvent, type Subscription } from '@ledger/event-store';
import { randomUUID } from 'node:crypto';
import { ChainWalker, chainProfile, type ChainBreak, type SealSeen } from './chain-walker';
import type { SealKey } from './keys';
import { MerkleTree } from './merkle';
import { PROOF_FORMAT, type LedgerProof } from './proof';
import { SEAL_EVENT_TYPE, SEAL_STREAM, signSeal, type Seal } from './seal';

export interface SealerOptions {
  /** Seal once this many events were appended since the newest seal; 0: on demand only. Default 1,000. */
  every?: number;
  clock?: { now(): Date };
  /** Called when periodic sealing fails (the next batch tries again). */
  onError?: (e: unknown) => void;
}

export class LedgerBrokenError extends Error {
  readonly code = 'LEDGER_CHAIN_BROKEN';
  constructor(readonly firstBreak: ChainBreak) {
    super(`the hash chain is broken at position ${firstBreak.position} (${firstBreak.stream}#${firstBreak.revision}): ${firstBreak.reason}`);
  }
}

/**
 * Seals checkpoints and answers proofs. It follows the log from position 0 with a ChainWalker (so it
 * never signs over a broken chain, and it sees seals made by other processes), seals every `every`
 * events and on demand: the head position, the global hash there and the Merkle root over the
 * stream heads there, signed with the key kept outside the database, appended as an event of
 * SEAL_STREAM with the seal stream's revision as expected revision (two sealers never fork it).
 */
export class LedgerSealer {
  private readonly walker: ChainWalker;
  private subscription: Subscription | null = null;
  private sealing: Promise<SealSeen | null> | null = null;
  private tree: { covers: bigint; tree: MerkleTree } | null = null;
  /** The stream heads as the walker has them, kept up to date event by event. */
  private readonly live = new MerkleTree();
  private readonly every: number;
  private readonly clock: { now(): Date };

  constructor(
    private readonly store: EventStore,
    private readonly key: SealKey,
    private readonly options: SealerOptions = {},
  ) {
    this.every = options.every ?? 1000;
    // The journal serves seals near the head (ours cover the head; the newest seal is at most `every`
    // events back): a window of 20 × every (at least 20,000) instead of a million entries keeps a
    // start on a big unsealed ledger from holding ~1 GB. On-demand sealing keeps the default window.
    const window = this.every > 0 ? Math.max(20_000, 20 * this.every) : undefined;
    this.walker = new ChainWalker(chainProfile(store.engine), [key.publicKey], window);
    this.clock = options.clock ?? { now: () => new Date() };
  }

  get broken(): ChainBreak | null {
    return this.walker.firstBreak;
  }

  get latestSeal(): SealSeen | null {
    return this.walker.latestSeal;
  }

  start(): void {
    if (this.subscription) return;
    this.subscription = this.store.subscribe((events) => this.onEvents(events), { after: 0n, batchSize: 2000 });
  }

  private onEvents(events: StoredEvent[]): void {
    this.walker.apply(events);
    for (const e of events) {
      const h = this.walker.heads.get(e.stream);
      if (h && h.revision === e.revision && h.position === e.position) this.live.set({ stream: e.stream, revision: h.revision, streamHash: h.hash, position: h.position });
    }
    if (this.every > 0 && !this.walker.firstBreak && !this.sealing && this.walker.eventsSinceSeal >= this.every) {
      // Not awaited: the seal is appended while the subscription goes on (it then sees the seal).
      void this.seal().catch((e) => this.options.onError?.(e));
    }
  }

  /** Resolves once the walker has seen the store's head. */
  async caughtUp(): Promise<void> {
    if (!this.subscription) this.start();
    await this.subscription!.caughtUp();
  }

  /** Seals now (unless nothing but seals came since the newest one); resolves with the newest seal. */
  seal(): Promise<SealSeen | null> {
    this.sealing ??= this.sealNow().finally(() => {
      this.sealing = null;
    });
    return this.sealing;
  }

  private async sealNow(): Promise<SealSeen | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.caughtUp();
      if (this.walker.firstBreak) throw new LedgerBrokenError(this.walker.firstBreak);
      if (this.walker.last === 0n) return null;
      if (this.walker.latestSeal && this.walker.eventsSinceSeal === 0) return this.walker.latestSeal;
      // Synchronous from here to the append call: the walker cannot move under the snapshot.
      const covers = this.walker.last;
      const tree = this.live.clone();
      const seal = signSeal(
        { position: covers.toString(), globalHash: (this.walker.global as Buffer).toString('hex'), merkleRoot: tree.root.toString('hex'), streams: tree.size, sealedAt: this.clock.now().toISOString() },
        this.key.privateKey,
      );
      const sealHead = this.walker.heads.get(SEAL_STREAM);
      try {
        const result = await this.store.append(
          SEAL_STREAM,
          [{ id: randomUUID(), type: SEAL_EVENT_TYPE, schemaVersion: 1, data: seal, metadata: { actor: { userId: 'ledger-sealer', role: 'system' } } }],
          sealHead ? sealHead.revision : 'no_stream',
        );
        this.tree = { covers, tree };
        if (!(await this.subscription!.waitFor(result.position))) throw new Error('the sealer stopped');
        if (this.walker.firstBreak) throw new LedgerBrokenError(this.walker.firstBreak);
        return this.walker.latestSeal;
      } catch (e) {
        // Another process sealed first: follow the log to its seal and look again.
        if (!(e instanceof ConcurrencyError)) throw e;
      }
    }
    throw new Error('could not append a seal: the seal stream kept moving');
  }

  private treeFor(seal: SealSeen): MerkleTree | null {
    if (this.tree?.covers === seal.covers) return this.tree.tree;
    const heads = this.walker.headsAt(seal.covers);
    if (!heads) return null;
    this.tree = { covers: seal.covers, tree: new MerkleTree(heads) };
    return this.tree.tree;
  }

  /**
   * The proof of one stream against the newest seal covering its head; when the head came after
   * the newest seal, seals first (on demand). null when the stream has no events.
   */
  async proof(stream: string): Promise<LedgerProof | null> {
    await this.caughtUp();
    if (this.walker.firstBreak) throw new LedgerBrokenError(this.walker.firstBreak);
    const current = this.walker.heads.get(stream);
    if (!current) return null;
    let sealed = this.walker.latestSeal;
    if (!sealed || sealed.covers < current.position) sealed = await this.seal();
    if (!sealed) return null;
    const tree = this.treeFor(sealed);
    if (!tree) throw new Error(`the stream heads at position ${sealed.covers} can no longer be rebuilt`);
    const head = tree.head(stream);
    const merklePath = tree.path(stream);
    if (!head || !merklePath) return null;
    const events = await this.store.readStream(stream, 0, head.revision + 1);
    const total = this.walker.heads.get(stream)?.revision ?? head.revision;
    return {
      format: PROOF_FORMAT,
      stream,
      positionBound: this.walker.profile.positionBound,
      events: events.map((e) => ({
        id: e.id,
        stream: e.stream,
        revision: e.revision,
        position: e.position.toString(),
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: e.data,
        metadata: e.metadata,
        recordedAt: e.recordedAt,
        streamHash: e.streamHash ?? '',
      })),
      head: { revision: head.revision, streamHash: head.streamHash.toString('hex'), position: String(head.position ?? '') },
      merklePath,
      seal: sealed.seal as Seal,
      sealEvent: { ...sealed.event, position: sealed.event.position.toString() },
      publicKey: this.key.publicKeyPem,
      unsealedEvents: total - head.revision,
    };
  }

  async stop(): Promise<void> {
    await this.sealing?.catch(() => undefined);
    await this.subscription?.stop();
    this.subscription = null;
  }
}
