import type { MerkleStep } from './merkle';
import type { Checkpoint } from './log/checkpoint';
import type { Seal } from './seal';

export const PROOF_FORMAT = 'ledger-proof/1';

/** One event as the proof carries it: enough to recompute its stream link. */
export interface ProofEvent {
  id: string;
  stream: string;
  revision: number;
  /** Decimal string. */
  position: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: unknown;
  recordedAt: string;
  streamHash: string;
}

/**
 * Everything a third party needs to check one stream's history against a sealed checkpoint, with
 * node:crypto alone (packages/ledger-verify): the events from revision 0 to the stream's head at
 * the sealed position, the Merkle path from that head to the sealed root, the seal and the public
 * key. Check the key's id against the one the county publishes: the proof cannot vouch for its own key.
 */
export interface LedgerProof {
  format: typeof PROOF_FORMAT;
  stream: string;
  /** false on EventStoreDB: its stream links encode position 0 (README: "EventStoreDB"). */
  positionBound: boolean;
  events: ProofEvent[];
  head: { revision: number; streamHash: string; position: string };
  merklePath: MerkleStep[];
  seal: Seal;
  /** Where the seal itself is in the log. */
  sealEvent: { stream: string; revision: number; position: string };
  publicKey: string;
  /** Events of the stream after the seal (none when the proof sealed on demand first). */
  unsealedEvents: number;
  /**
   * The events in the verifiable log (RFC 9162): a checkpoint covering them all and, per event, its
   * inclusion path (the leaf is the event's streamHash). Absent where the log is not served.
   */
  log?: ProofLogPart;
}

export interface ProofLogPart {
  checkpoint: Checkpoint;
  inclusions: { position: string; leafIndex: number; proof: string[] }[];
  /** The checkpoints' signing key when it is not the seal key (LEDGER_CRYPTO=sm: SM2, 04‖x‖y hex). */
  publicKey?: string;
  /**
   * Trusted time (RFC 3161): per event, the first checkpoint carrying a time-stamp token whose tree
   * holds it, and its inclusion there: the event existed by the token's time. An event no timestamped
   * checkpoint covers yet is not listed.
   */
  timestamps?: { position: string; leafIndex: number; proof: string[]; checkpoint: Checkpoint }[];
}
