import { checkpointMessage, type Checkpoint, type CheckpointBody } from '../log/checkpoint';
import { verifyTimestampToken, type ImprintHash, type TimestampCheck } from './rfc3161';
import { requestTimestamp, type TsaConfig } from './tsa-client';

/** The imprint's hash follows the checkpoint's suite: SM3 for sm3-sm2, SHA-256 otherwise. */
export function imprintHashFor(algorithm: string): ImprintHash {
  return algorithm.startsWith('sm3-') ? 'sm3' : 'sha256';
}

/**
 * Puts an RFC 3161 token on checkpoints as they are issued (LEDGER_TSA_URL). The authority is outside
 * the ledger's control, so its absence must not stop the ledger: a checkpoint whose token could not be
 * had is issued without one (and the failure reported), and the next checkpoint asks again.
 */
export class CheckpointStamper {
  constructor(
    private readonly config: TsaConfig | null,
    private readonly onError: (e: Error) => void = () => undefined,
  ) {}

  get enabled(): boolean {
    return this.config !== null;
  }

  async stamp(cp: Checkpoint): Promise<Checkpoint> {
    if (!this.config || cp.timestamp) return cp;
    try {
      const issued = await requestTimestamp(this.config, checkpointMessage(cp), imprintHashFor(cp.algorithm));
      return { ...cp, timestamp: issued.token.toString('base64') };
    } catch (e) {
      this.onError(e as Error);
      return cp;
    }
  }
}

/** The token on a checkpoint, checked against the TSA certificate: it must stamp exactly checkpointMessage(cp). */
export function verifyCheckpointTimestamp(cp: CheckpointBody & { timestamp?: string }, tsaCertificatePem: string | Buffer): TimestampCheck {
  if (!cp.timestamp) return { ok: false, reason: 'the checkpoint carries no timestamp' };
  return verifyTimestampToken(Buffer.from(cp.timestamp, 'base64'), { data: checkpointMessage(cp), tsaCertificate: tsaCertificatePem });
}
