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
  /** Positions 1, 2, 3 … (SQLite, PostgreSQL); EventStoreDB's only increase. */
  contiguous: boolean;
  /** The position is part of the stream link (not on EventStoreDB: unknown before the write). */
  positionBound: boolean;
  /** The store keeps a global chain beside the events (not on EventStoreDB). */
  storedGlobal: boolean;
}

export function chainProfile(engine: EventStore['engine']): ChainProfile {
  return engine === 'eventstoredb'
    ? { contiguous: false, positionBound: false, storedGlobal: false }
    : { contiguous: true, positionBound: true, storedGlobal: true };
}

interface JournalEntry {
  position: bigint;
  stream: string;
  prev: StreamHead | undefined;
  global: Buffer;
  seal: boolean;
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
  private journal: JournalEntry[] = [];
  /** Position of the newest entry dropped from the journal by the window (0n: none). */
  private dropped = 0n;
  private sinceSeal = 0;
  private readonly keyIds: Map<string, KeyObject>;

  constructor(
    readonly profile: ChainProfile,
    publicKeys: KeyObject[],
    /** Most journal entries kept; a seal covering an older position cannot be checked. */
    private readonly window = 1_000_000,
  ) {
    this.keyIds = new Map(publicKeys.map((k) => [keyId(k), k]));
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
    this.journal = [{ position: covers, stream: '', prev: undefined, global: this.global, seal: true }];
    this.dropped = 0n;
    this.sinceSeal = 0;
  }

  /** Applies events in position order; false once the chain is broken (later calls do nothing). */
  apply(events: StoredEvent[]): boolean {
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
      this.journal.push({ position: e.position, stream: e.stream, prev, global: gh, seal: isSeal });
      if (!isSeal) this.sinceSeal++;
      if (this.journal.length > this.window * 1.5) {
        const cut = this.journal.splice(0, this.journal.length - this.window);
        this.dropped = cut[cut.length - 1].position;
      }
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
    if (covers >= e.position || covers < before) return ['seal_position', `covers position ${covers}, must be ≥ ${before} and before the seal itself (${e.position})`];
    const at = this.entryAt(covers);
    if (!at) return ['seal_position', `position ${covers} is not in the checked log (or beyond the journal window)`];
    if (at.global.toString('hex') !== seal.globalHash) return ['seal_head_mismatch', `the recomputed global hash at position ${covers} differs from the sealed one`];
    this.latestSeal = { seal, covers, event: { stream: e.stream, revision: e.revision, position: e.position } };
    this.seals++;
    this.journal = this.journal.filter((j) => j.position > covers);
    this.sinceSeal = this.journal.reduce((n, j) => n + (j.seal ? 0 : 1), 0);
    return null;
  }

  private entryAt(position: bigint): JournalEntry | undefined {
    let lo = 0;
    let hi = this.journal.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = this.journal[mid].position;
      if (p === position) return this.journal[mid];
      if (p < position) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** The stream heads now. */
  currentHeads(): StreamHead[] {
    return [...this.heads.heads()];
  }

  /** The stream heads (and their tree) as they stood at `position` (≥ the newest seal's), from the journal. */
  headsAt(position: bigint): MerkleTree | null {
    const floor = this.latestSeal?.covers ?? 0n;
    if (position < floor) return null;
    if (this.dropped > position) return null;
    const changes: JournalEntry[] = [];
    for (let i = this.journal.length - 1; i >= 0 && this.journal[i].position > position; i--) changes.push(this.journal[i]);
    return this.heads.rewound(changes);
  }

  /**
   * Checks the newest seal's Merkle root against the heads at its position: `heads` when given, else
   * rebuilt from the journal.
   */
  checkLatestMerkle(heads: MerkleTree | null = null): ChainBreak | null {
    const s = this.latestSeal;
    if (!s) return null;
    heads ??= this.headsAt(s.covers);
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
