import type { KeyObject } from 'node:crypto';
import { bodyHash, globalLinkHash, streamLinkHash, type EventStore, type StoredEvent } from '@ledger/event-store';
import { MerkleTree, type StreamHead } from './merkle';
import { malformedSeal, sealSignatureValid, SEAL_EVENT_TYPE, SEAL_STREAM, keyId, type Seal } from './seal';

/** The first link that does not hold, named precisely. */
export interface ChainBreak {
  stream: string;
  revision: number;
  /** Decimal string (positions may exceed 2^53). */
  position: string;
  reason: BreakReason;
  detail: string;
}

export type BreakReason =
  | 'position_gap'
  | 'position_order'
  | 'revision_gap'
  | 'missing_hash'
  | 'stream_hash_mismatch'
  | 'global_hash_mismatch'
  | 'missing_events'
  | 'unreadable'
  | 'seal_malformed'
  | 'seal_key_unknown'
  | 'seal_signature_invalid'
  | 'seal_position'
  | 'seal_head_mismatch'
  | 'seal_merkle_mismatch';

/** What an engine stores, hence what a walker can compare. */
export interface ChainProfile {
  /** Positions 1, 2, 3 … (the store's contiguousPositions: SQLite, PostgreSQL); EventStoreDB's only increase. */
  contiguous: boolean;
  /** The position is part of the stream link (not on EventStoreDB: unknown before the write). */
  positionBound: boolean;
  /** The store keeps a global chain beside the events (not on EventStoreDB). */
  storedGlobal: boolean;
}

/** `contiguous`: the store's own word (contiguousPositions); by default what its engine promises. */
export function chainProfile(engine: EventStore['engine'], contiguous = engine !== 'eventstoredb'): ChainProfile {
  return engine === 'eventstoredb' ? { contiguous: false, positionBound: false, storedGlobal: false } : { contiguous, positionBound: true, storedGlobal: true };
}

const HASH = 32;
const SEAL = 1;
const HAS_PREV = 2;

/**
 * The walk's journal in typed arrays and two Buffers: an object with two Buffers per entry made
 * tens of thousands of long-lived small allocations among millions of short-lived ones, which kept
 * the C heap from shrinking after a verification (docs/benchmarks.md).
 */
class Journal {
  /** Most entries ever held at once: the arrays grow no further. */
  constructor(private readonly limit: number) {}

  private begin = 0;
  private end = 0;
  private positions = new BigInt64Array(0);
  private flags = new Uint8Array(0);
  private globals = Buffer.alloc(0);
  private streams: string[] = [];
  private prevRevisions = new Int32Array(0);
  /** -1: unknown. */
  private prevPositions = new BigInt64Array(0);
  private prevHashes = Buffer.alloc(0);

  get length(): number {
    return this.end - this.begin;
  }

  clear(): void {
    this.begin = this.end = 0;
    this.streams = [];
  }

  push(position: bigint, stream: string, prev: StreamHead | undefined, global: Buffer, seal: boolean): void {
    if (this.end === this.positions.length) this.makeRoom();
    const i = this.end++;
    this.positions[i] = position;
    this.flags[i] = (seal ? SEAL : 0) | (prev ? HAS_PREV : 0);
    global.copy(this.globals, i * HASH);
    this.streams[i] = stream;
    if (prev) {
      this.prevRevisions[i] = prev.revision;
      this.prevPositions[i] = prev.position ?? -1n;
      prev.streamHash.copy(this.prevHashes, i * HASH);
    }
  }

  /** Slides the entries to the front when at least half is free, else doubles the arrays. */
  private makeRoom(): void {
    const n = this.length;
    const cap = this.positions.length;
    if (this.begin > 0 && (n <= cap / 2 || cap >= this.limit)) {
      const b = this.begin;
      this.positions.copyWithin(0, b, this.end);
      this.flags.copyWithin(0, b, this.end);
      this.globals.copyWithin(0, b * HASH, this.end * HASH);
      this.streams.copyWithin(0, b, this.end);
      this.streams.length = n;
      this.prevRevisions.copyWithin(0, b, this.end);
      this.prevPositions.copyWithin(0, b, this.end);
      this.prevHashes.copyWithin(0, b * HASH, this.end * HASH);
    } else {
      const next = Math.max(n + 1, Math.min(Math.max(1024, cap * 2), this.limit));
      const grow = <T extends BigInt64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T, width = 1): T => {
        const c = make(next * width);
        c.set(a.subarray(this.begin * width, this.end * width) as never);
        return c;
      };
      this.positions = grow(this.positions, (k) => new BigInt64Array(k));
      this.flags = grow(this.flags, (k) => new Uint8Array(k));
      this.prevRevisions = grow(this.prevRevisions, (k) => new Int32Array(k));
      this.prevPositions = grow(this.prevPositions, (k) => new BigInt64Array(k));
      this.globals = grow(this.globals, (k) => Buffer.alloc(k), HASH);
      this.prevHashes = grow(this.prevHashes, (k) => Buffer.alloc(k), HASH);
      this.streams = this.streams.slice(this.begin, this.end);
    }
    this.begin = 0;
    this.end = n;
  }

  /** Drops the `n` oldest entries; the position of the newest one dropped. */
  dropOldest(n: number): bigint {
    for (let i = this.begin; i < this.begin + n; i++) this.streams[i] = '';
    this.begin += n;
    return this.positions[this.begin - 1];
  }

  position(k: number): bigint {
    return this.positions[this.begin + k];
  }

  isSeal(k: number): boolean {
    return (this.flags[this.begin + k] & SEAL) !== 0;
  }

  global(k: number): Buffer {
    const i = this.begin + k;
    return this.globals.subarray(i * HASH, (i + 1) * HASH);
  }

  change(k: number): { stream: string; prev: StreamHead | undefined } {
    const i = this.begin + k;
    const stream = this.streams[i];
    if (!(this.flags[i] & HAS_PREV)) return { stream, prev: undefined };
    const position = this.prevPositions[i];
    const streamHash = Buffer.from(this.prevHashes.subarray(i * HASH, (i + 1) * HASH));
    return { stream, prev: { stream, revision: this.prevRevisions[i], streamHash, ...(position >= 0n ? { position } : {}) } };
  }

  /** Index of the entry at `position`, or -1 (entries are in position order). */
  indexOf(position: bigint): number {
    let lo = 0;
    let hi = this.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = this.position(mid);
      if (p === position) return mid;
      if (p < position) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** How many of the oldest entries are at or before `position`. */
  countThrough(position: bigint): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.position(mid) <= position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The stream heads the store gives for `position` (EventStore.streamHeadsAt), as the tree over them. */
export async function storedHeadsAt(store: EventStore, position: bigint): Promise<MerkleTree> {
  const heads = new MerkleTree();
  for await (const h of store.streamHeadsAt(position))
    heads.set({ stream: h.stream, revision: h.revision, streamHash: Buffer.from(h.streamHash, 'hex'), position: h.position });
  return heads;
}

/** Where a walker resumes: a seal checked against the store, and the stream heads at its position. */
export interface ResumePoint {
  seal: SealSeen;
  /** The stream heads at seal.covers, whose root the seal signs. */
  heads: MerkleTree;
}

export interface SealSeen {
  seal: Seal;
  covers: bigint;
  event: { stream: string; revision: number; position: bigint };
}

/**
 * Recomputes both chains event by event, in position order, compares them with what the store
 * keeps, and checks every seal it meets (signature, key, the global hash at the sealed position).
 * Used by verifyLedger (a full pass) and by the sealer (which never seals over a broken chain).
 * It keeps the stream heads (compactly, as the Merkle tree over them), and a journal of the events since the newest seal, so that the heads
 * as they stood at that seal (its Merkle tree) can be rebuilt on demand.
 */
export class ChainWalker {
  /** The stream heads now, compactly; also the Merkle tree over them. */
  heads = new MerkleTree();
  global: Buffer | null = null;
  last = 0n;
  checked = 0;
  seals = 0;
  firstBreak: ChainBreak | null = null;
  latestSeal: SealSeen | null = null;
  private readonly journal: Journal;
  /** Position of the newest entry dropped from the journal by the window (0n: none). */
  private dropped = 0n;
  private sinceSeal = 0;
  /** Taken back by rewindHeadsTo. */
  private spent = false;
  private readonly keyIds: Map<string, KeyObject>;

  constructor(
    readonly profile: ChainProfile,
    publicKeys: KeyObject[],
    /** Most journal entries kept; a seal covering an older position cannot be checked. */
    private readonly window = 1_000_000,
  ) {
    this.keyIds = new Map(publicKeys.map((k) => [keyId(k), k]));
    this.journal = new Journal(Math.floor(window * 1.5) + 1);
  }

  /** Events appended after the newest seal's position, seals excluded. */
  get eventsSinceSeal(): number {
    return this.sinceSeal;
  }

  /**
   * Takes the sealed prefix as checked (by the caller: signature, the stored global hash at the
   * sealed position, the Merkle root of the heads there) and goes on from the sealed position.
   */
  resume(point: ResumePoint): void {
    const covers = point.seal.covers;
    this.heads = point.heads;
    this.global = Buffer.from(point.seal.seal.globalHash, 'hex');
    this.last = covers;
    this.latestSeal = point.seal;
    // The sealed position itself, so that the seal event, met again on the way, finds its global hash.
    this.journal.clear();
    this.journal.push(covers, '', undefined, this.global, true);
    this.dropped = 0n;
    this.sinceSeal = 0;
  }

  /** Applies events in position order; false once the chain is broken (later calls do nothing). */
  apply(events: StoredEvent[]): boolean {
    if (this.spent) throw new Error('the walker was taken back to an earlier position (rewindHeadsTo) and walks no further');
    if (this.firstBreak) return false;
    const { contiguous, positionBound, storedGlobal } = this.profile;
    for (const e of events) {
      const fail = (reason: BreakReason, detail: string): false => {
        this.firstBreak = { stream: e.stream, revision: e.revision, position: e.position.toString(), reason, detail };
        return false;
      };
      if (contiguous ? e.position !== this.last + 1n : e.position <= this.last) {
        return fail(contiguous ? 'position_gap' : 'position_order', `expected position ${contiguous ? this.last + 1n : `> ${this.last}`}, found ${e.position}`);
      }
      const prev = this.heads.head(e.stream);
      const expectedRevision = prev ? prev.revision + 1 : 0;
      if (e.revision !== expectedRevision) return fail('revision_gap', `expected revision ${expectedRevision} of ${e.stream}, found ${e.revision}`);
      const sh = streamLinkHash(e.stream, e.revision, positionBound ? e.position : 0n, bodyHash(e), prev ? prev.streamHash : null);
      if (!e.streamHash) return fail('missing_hash', 'the store kept no stream hash for this event');
      if (sh.toString('hex') !== e.streamHash) return fail('stream_hash_mismatch', 'the event does not hash to the stream hash stored with it');
      const gh = globalLinkHash(sh, this.global);
      if (storedGlobal) {
        if (!e.globalHash) return fail('missing_hash', 'the store kept no global hash for this event');
        if (gh.toString('hex') !== e.globalHash) return fail('global_hash_mismatch', 'the global chain does not continue from the previous event');
      }
      const isSeal = e.stream === SEAL_STREAM && e.type === SEAL_EVENT_TYPE;
      this.heads.set({ stream: e.stream, revision: e.revision, streamHash: sh, position: e.position });
      this.journal.push(e.position, e.stream, prev, gh, isSeal);
      if (!isSeal) this.sinceSeal++;
      if (this.journal.length > this.window * 1.5) this.dropped = this.journal.dropOldest(this.journal.length - this.window);
      this.global = gh;
      this.last = e.position;
      this.checked++;
      if (isSeal) {
        const problem = this.checkSeal(e);
        if (problem) return fail(problem[0], problem[1]);
      }
    }
    return true;
  }

  /** Why a seal event's data is not a seal signed by a trusted key, or null. */
  untrustedSeal(data: unknown): [BreakReason, string] | null {
    const bad = malformedSeal(data);
    if (bad) return ['seal_malformed', bad];
    const seal = data as Seal;
    const key = this.keyIds.get(seal.keyId);
    if (!key) return ['seal_key_unknown', `signed by key ${seal.keyId}, which is not a trusted key`];
    if (!sealSignatureValid(seal, key)) return ['seal_signature_invalid', 'the signature does not match the sealed checkpoint'];
    return null;
  }

  private checkSeal(e: StoredEvent): [BreakReason, string] | null {
    const untrusted = this.untrustedSeal(e.data);
    if (untrusted) return untrusted;
    const seal = e.data as Seal;
    const covers = BigInt(seal.position);
    const before = this.latestSeal?.covers ?? 0n;
    if (covers >= e.position || covers < before)
      return ['seal_position', `covers position ${covers}, must be ≥ ${before} and before the seal itself (${e.position})`];
    const at = this.journal.indexOf(covers);
    if (at < 0) return ['seal_position', `position ${covers} is not in the checked log (or beyond the journal window)`];
    if (this.journal.global(at).toString('hex') !== seal.globalHash)
      return ['seal_head_mismatch', `the recomputed global hash at position ${covers} differs from the sealed one`];
    this.latestSeal = { seal, covers, event: { stream: e.stream, revision: e.revision, position: e.position } };
    this.seals++;
    this.journal.dropOldest(this.journal.countThrough(covers));
    this.sinceSeal = 0;
    for (let k = 0; k < this.journal.length; k++) if (!this.journal.isSeal(k)) this.sinceSeal++;
    return null;
  }

  /**
   * Reads back what this walk took in after the newest seal: each event as the store gives it now
   * must still hash to the links walked then. A row edited after the walk passed it is found here,
   * before a seal signs over it. Null when all hold (events the journal no longer holds are skipped).
   */
  recheck(events: StoredEvent[]): ChainBreak | null {
    const { positionBound, storedGlobal } = this.profile;
    for (const e of events) {
      const k = this.journal.indexOf(e.position);
      if (k < 0) continue;
      const fail = (reason: BreakReason, detail: string): ChainBreak => ({
        stream: e.stream,
        revision: e.revision,
        position: e.position.toString(),
        reason,
        detail: `${detail} (read back before sealing)`,
      });
      const { stream, prev } = this.journal.change(k);
      if (stream !== e.stream || e.revision !== (prev ? prev.revision + 1 : 0))
        return fail('revision_gap', `the store now gives ${e.stream}#${e.revision} where the walk met ${stream}`);
      const sh = streamLinkHash(e.stream, e.revision, positionBound ? e.position : 0n, bodyHash(e), prev ? prev.streamHash : null);
      if (sh.toString('hex') !== e.streamHash) return fail('stream_hash_mismatch', 'the event no longer hashes to the stream hash stored with it');
      // The link before: the journal's previous entry, else the newest seal's (entries up to it are dropped), else the start.
      const before =
        k > 0 ? this.journal.global(k - 1) : this.latestSeal ? Buffer.from(this.latestSeal.seal.globalHash, 'hex') : this.dropped === 0n ? null : undefined;
      if (before === undefined) continue;
      const gh = globalLinkHash(sh, before);
      if (!gh.equals(this.journal.global(k)) || (storedGlobal && gh.toString('hex') !== e.globalHash)) {
        return fail('global_hash_mismatch', 'the global chain stored now differs from the one walked');
      }
    }
    return null;
  }

  /** The stream heads (and their tree) as they stood at `position` (≥ the newest seal's), from the journal. */
  headsAt(position: bigint): MerkleTree | null {
    if (!this.canRewindTo(position)) return null;
    return this.heads.rewound(this.changesAfter(position));
  }

  /**
   * The heads at `position` as headsAt, by taking this walker's own tree back: the walker can walk
   * no further (verification's last step, which needs no second tree).
   */
  rewindHeadsTo(position: bigint): MerkleTree | null {
    if (!this.canRewindTo(position)) return null;
    this.heads.rewind(this.changesAfter(position));
    this.spent = true;
    return this.heads;
  }

  /** The journal reaches back to `position`: not before the newest seal, nor past what the window dropped. */
  private canRewindTo(position: bigint): boolean {
    return position >= (this.latestSeal?.covers ?? 0n) && position >= this.dropped;
  }

  /** Newest first, one at a time: a rewind over a long unsealed stretch holds no list of them. */
  private *changesAfter(position: bigint): IterableIterator<{ stream: string; prev: StreamHead | undefined }> {
    for (let k = this.journal.length - 1; k >= 0 && this.journal.position(k) > position; k--) yield this.journal.change(k);
  }

  /** Checks the newest seal's Merkle root against `heads`, the heads at its position (null: not to be had). */
  checkLatestMerkle(heads: MerkleTree | null): ChainBreak | null {
    const s = this.latestSeal;
    if (!s) return null;
    const root = heads ? heads.root.toString('hex') : null;
    if (root === s.seal.merkleRoot && heads?.size === s.seal.streams) return null;
    return {
      ...s.event,
      position: s.event.position.toString(),
      reason: 'seal_merkle_mismatch',
      detail: heads ? `the stream heads at position ${s.covers} do not give the sealed Merkle root` : 'the heads at the sealed position could not be rebuilt',
    };
  }
}
