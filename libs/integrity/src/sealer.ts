import { ConcurrencyError, type EventStore, type StoredEvent, type Subscription } from '@ledger/event-store';
import { randomUUID } from 'node:crypto';
import { ChainWalker, chainProfile, storedHeadsAt, type ChainBreak, type ResumePoint, type SealSeen } from './chain-walker';
import type { SealKey } from './keys';
import type { MerkleTree } from './merkle';
import { PROOF_FORMAT, type LedgerProof } from './proof';
import { SEAL_EVENT_TYPE, SEAL_STREAM, signSeal, type Seal } from './seal';

export interface SealerOptions {
  /** Seal once this many events were appended since the newest seal; 0: on demand only. Default 1,000. */
  every?: number;
  clock?: { now(): Date };
  /** Called when periodic sealing fails (the next batch tries again), and once when the start finds the newest seal does not hold. */
  onError?: (e: unknown) => void;
}

export class LedgerBrokenError extends Error {
  readonly code = 'LEDGER_CHAIN_BROKEN';
  constructor(readonly firstBreak: ChainBreak) {
    super(`the hash chain is broken at position ${firstBreak.position} (${firstBreak.stream}#${firstBreak.revision}): ${firstBreak.reason}`);
  }
}

/**
 * Seals checkpoints and answers proofs. It follows the log with a ChainWalker (so it never signs over
 * a broken chain, and it sees seals made by other processes), seals every `every` events and on
 * demand: the head position, the global hash there and the Merkle root over the stream heads there,
 * signed with the key kept outside the database, appended as an event of SEAL_STREAM with the seal
 * stream's revision as expected revision (two sealers never fork it).
 *
 * It starts from the newest seal rather than from position 0: the seal's signature, the global hash
 * the store keeps at the sealed position and the Merkle root of the stream heads the store gives for
 * that position must all match the seal, else it refuses to seal (LedgerBrokenError). The sealed
 * prefix itself is recomputed only by verifyLedger (`ledger verify`, GET /audit/verify).
 */
export class LedgerSealer {
  private readonly walker: ChainWalker;
  private subscription: Subscription | null = null;
  private starting: Promise<Subscription> | null = null;
  private stopped = false;
  private sealing: Promise<SealSeen | null> | null = null;
  private tree: { covers: bigint; tree: MerkleTree } | null = null;
  private readonly every: number;
  private readonly clock: { now(): Date };

  constructor(
    private readonly store: EventStore,
    private readonly key: SealKey,
    private readonly options: SealerOptions = {},
  ) {
    this.every = options.every ?? 1000;
    // The journal serves seals near the head (ours cover the head; the newest seal is at most `every`
    // events back): a window of 20 × every (at least 20,000), not one as long as the ledger, keeps a
    // start on a big unsealed ledger from holding its whole journal. On-demand sealing keeps the default window.
    const window = this.every > 0 ? Math.max(20_000, 20 * this.every) : undefined;
    this.walker = new ChainWalker(chainProfile(store.engine, store.contiguousPositions), [key.publicKey], window);
    this.clock = options.clock ?? { now: () => new Date() };
  }

  get broken(): ChainBreak | null {
    return this.walker.firstBreak;
  }

  get latestSeal(): SealSeen | null {
    return this.walker.latestSeal;
  }

  start(): void {
    void this.started().catch((e) => {
      if (!this.stopped) this.options.onError?.(e);
    });
  }

  private started(): Promise<Subscription> {
    this.starting ??= (async () => {
      const from = await this.resume();
      if (this.stopped) throw new Error('the sealer stopped');
      // Said once at start: from here on every seal and proof refuses with the same break.
      if (this.walker.firstBreak) this.options.onError?.(new LedgerBrokenError(this.walker.firstBreak));
      this.subscription = this.store.subscribe((events) => this.onEvents(events), { after: from, batchSize: 2000 });
      return this.subscription;
    })().catch((e) => {
      // A store that failed at start is asked again by the next caller.
      this.starting = null;
      throw e;
    });
    return this.starting;
  }

  /** Where to follow the log from: the newest seal's position once it checks out against the store, else 0. */
  private async resume(): Promise<bigint> {
    // EventStoreDB keeps no global chain to hold the seal against: there the walk starts at 0.
    if (!this.walker.profile.storedGlobal) return 0n;
    const found = await this.newestSealEvent();
    if (!found) return 0n;
    const refuse = (reason: ChainBreak['reason'], detail: string): bigint => {
      this.walker.firstBreak = { stream: found.stream, revision: found.revision, position: found.position.toString(), reason, detail };
      return found.position;
    };
    const untrusted = this.walker.untrustedSeal(found.data);
    if (untrusted) return refuse(...untrusted);
    const seal = found.data as Seal;
    const covers = BigInt(seal.position);
    if (covers <= 0n || covers >= found.position)
      return refuse('seal_position', `covers position ${covers}, must be before the seal itself (${found.position})`);
    const [at] = await this.store.readAll({ after: covers - 1n, limit: 1 });
    if (!at || at.position !== covers || at.globalHash !== seal.globalHash) {
      return refuse('seal_head_mismatch', `the global hash stored at position ${covers} differs from the sealed one`);
    }
    const heads = await storedHeadsAt(this.store, covers);
    if (heads.size !== seal.streams || heads.root.toString('hex') !== seal.merkleRoot) {
      return refuse('seal_merkle_mismatch', `the stream heads stored at position ${covers} do not give the sealed Merkle root`);
    }
    const point: ResumePoint = { seal: { seal, covers, event: { stream: found.stream, revision: found.revision, position: found.position } }, heads };
    this.walker.resume(point);
    return covers;
  }

  /** The newest LedgerSealed event of the seal stream (the stream's last few events are enough to look at). */
  private async newestSealEvent(): Promise<StoredEvent | null> {
    const { revision } = await this.store.append(SEAL_STREAM, [], 'any');
    if (revision < 0) return null;
    const tail = await this.store.readStream(SEAL_STREAM, Math.max(0, revision - 15), 16);
    return tail.reverse().find((e) => e.type === SEAL_EVENT_TYPE) ?? null;
  }

  private onEvents(events: StoredEvent[]): void {
    this.walker.apply(events);
    if (this.every > 0 && !this.walker.firstBreak && !this.sealing && this.walker.eventsSinceSeal >= this.every) {
      // Not awaited: the seal is appended while the subscription goes on (it then sees the seal).
      void this.seal().catch((e) => this.options.onError?.(e));
    }
  }

  /** Resolves once the walker has seen the store's head. */
  async caughtUp(): Promise<void> {
    await (await this.started()).caughtUp();
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
      await this.readBack();
      if (this.walker.firstBreak) throw new LedgerBrokenError(this.walker.firstBreak);
      // Synchronous from here to the append call: the walker cannot move under what is signed.
      const covers = this.walker.last;
      const tree = this.walker.heads;
      const seal = signSeal(
        {
          position: covers.toString(),
          globalHash: (this.walker.global as Buffer).toString('hex'),
          merkleRoot: tree.root.toString('hex'),
          streams: tree.size,
          sealedAt: this.clock.now().toISOString(),
        },
        this.key.privateKey,
      );
      const sealHead = this.walker.heads.head(SEAL_STREAM);
      try {
        const result = await this.store.append(
          SEAL_STREAM,
          [{ id: randomUUID(), type: SEAL_EVENT_TYPE, schemaVersion: 1, data: seal, metadata: { actor: { userId: 'ledger-sealer', role: 'system' } } }],
          sealHead ? sealHead.revision : 'no_stream',
        );
        if (!(await (await this.started()).waitFor(result.position))) throw new Error('the sealer stopped');
        if (this.walker.firstBreak) throw new LedgerBrokenError(this.walker.firstBreak);
        return this.walker.latestSeal;
      } catch (e) {
        // Another process sealed first: follow the log to its seal and look again.
        if (!(e instanceof ConcurrencyError)) throw e;
      }
    }
    throw new Error('could not append a seal: the seal stream kept moving');
  }

  /**
   * Every seal first reads back the events walked since the newest one (at most `every` or so): one
   * edited in the store after the walk passed it is a break, which stops sealing and degrades the API.
   */
  private async readBack(): Promise<void> {
    const upTo = this.walker.last;
    let after = this.walker.latestSeal?.covers ?? 0n;
    while (after < upTo) {
      const events = (await this.store.readAll({ after, limit: 2000 })).filter((e) => e.position <= upTo);
      if (!events.length) return;
      const found = this.walker.recheck(events);
      if (found) {
        this.walker.firstBreak ??= found;
        this.options.onError?.(new LedgerBrokenError(found));
        return;
      }
      after = events[events.length - 1].position;
    }
  }

  private treeFor(seal: SealSeen): MerkleTree | null {
    if (this.tree?.covers === seal.covers) return this.tree.tree;
    const heads = this.walker.headsAt(seal.covers);
    if (!heads) return null;
    this.tree = { covers: seal.covers, tree: heads };
    return heads;
  }

  /**
   * The proof of one stream against the newest seal covering its head; when the head came after
   * the newest seal, seals first (on demand). null when the stream has no events.
   */
  async proof(stream: string): Promise<LedgerProof | null> {
    await this.caughtUp();
    if (this.walker.firstBreak) throw new LedgerBrokenError(this.walker.firstBreak);
    const current = this.walker.heads.head(stream);
    if (!current) return null;
    let sealed = this.walker.latestSeal;
    if (!sealed || sealed.covers < (current.position ?? 0n)) sealed = await this.seal();
    if (!sealed) return null;
    const tree = this.treeFor(sealed);
    if (!tree) throw new Error(`the stream heads at position ${sealed.covers} can no longer be rebuilt`);
    const head = tree.head(stream);
    const merklePath = tree.path(stream);
    if (!head || !merklePath) return null;
    const events = await this.store.readStream(stream, 0, head.revision + 1);
    const total = this.walker.heads.head(stream)?.revision ?? head.revision;
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
    this.stopped = true;
    await this.sealing?.catch(() => undefined);
    await this.starting?.catch(() => undefined);
    await this.subscription?.stop();
    this.subscription = null;
  }
}
