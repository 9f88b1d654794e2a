import { refusalOf } from '@ledger/application';
import type { ChainBreak } from '@ledger/integrity';
import type { LedgerConfig } from '@ledger/platform';
import { ApiProblem } from '../problem-details/errors';

/**
 * What this API process knows of its ledger's integrity: the first break its sealer found (on start,
 * checking the chain from the newest seal to the head, then on every event it follows and every seal),
 * and the LEDGER_ON_TAMPER policy that decides whether writes go on once there is one. A tampered
 * store is never served silently: /health/ready says so either way.
 */
export class IntegrityState {
  private source: () => ChainBreak | null = () => null;
  private started: Promise<void> | null = null;
  private startFailure: Error | null = null;
  private startDone = false;
  private warned = false;

  constructor(readonly policy: LedgerConfig['onTamper']) {}

  /** Called once the sealer starts: `firstBreak` reads its walker; `startCheck` settles once it reached the head. */
  watch(firstBreak: () => ChainBreak | null, startCheck: Promise<void>): void {
    this.source = firstBreak;
    this.started = startCheck.then(
      () => {
        this.startDone = true;
        void this.firstBreak; // said on stderr at once, not at the first probe or write
      },
      (e: unknown) => void (this.startFailure = e instanceof Error ? e : new Error(String(e))),
    );
  }

  get firstBreak(): ChainBreak | null {
    const found = this.source();
    if (found && !this.warned) {
      this.warned = true;
      console.error(
        `LEDGER TAMPERED: the hash chain is broken at position ${found.position} (${found.stream}#${found.revision}): ${found.reason}: ${found.detail}. ` +
          (this.policy === 'warn'
            ? 'LEDGER_ON_TAMPER=warn: writes continue.'
            : 'LEDGER_ON_TAMPER=refuse-writes: every write is refused until the store is restored.'),
      );
    }
    return found;
  }

  /**
   * Whether the start check has reached the head, waiting for it at most `waitMs`: 'done', 'pending',
   * or the error it failed with.
   */
  async startCheck(waitMs: number): Promise<'done' | 'pending' | Error> {
    if (!this.startDone && !this.startFailure && this.started) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.started, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    }
    return this.startFailure ?? (this.startDone || !this.started ? 'done' : 'pending');
  }

  /** The known break when the policy refuses writes (null otherwise; under `warn` a write is logged and goes on). */
  writeRefusal(): ChainBreak | null {
    const found = this.firstBreak;
    if (!found) return null;
    if (this.policy === 'warn') {
      console.error(`LEDGER TAMPERED (LEDGER_ON_TAMPER=warn): writing although the chain is broken at position ${found.position}`);
      return null;
    }
    return found;
  }

  /** Throws the LEDGER_TAMPERED problem (503) when a break is known and the policy refuses writes. */
  assertWritable(): void {
    const found = this.writeRefusal();
    if (found) throw tamperedProblem(found);
  }
}

/** LEDGER_TAMPERED (503): what a refused write answers. */
export function tamperedProblem(found: ChainBreak): ApiProblem {
  const { code, message, extra } = refusalOf({ kind: 'write_refused', firstBreak: found });
  return new ApiProblem(503, code, message, extra);
}
