import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@ledger/event-store';
import {
  LedgerSealer,
  integrityConfig,
  verifyEvidence,
  verifyLedger,
  type EvidenceReport,
  type EvidenceStorage,
  type SealKey,
  type VerifyReport,
} from '@ledger/integrity';
import type { Clock, LedgerConfig } from '@ledger/platform';
import { CLOCK, EVENT_STORE, LEDGER_CONFIG } from '../platform/tokens';
import { EVIDENCE_STORAGE } from '../evidence/evidence.tokens';
import { IntegrityState } from './integrity-state';

export const SEAL_KEY = Symbol('SEAL_KEY');

/**
 * Tamper evidence in the API process: the sealer follows the log and seals every LEDGER_SEAL_EVERY
 * events (and on demand, for proofs); verification is a full recomputation, one at a time.
 */
@Injectable()
export class AuditService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly sealer: LedgerSealer;
  private verifying: Promise<VerifyReport & { evidence: EvidenceReport }> | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SEAL_KEY) readonly key: SealKey,
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
    @Inject(CLOCK) clock: Clock,
    private readonly integrity: IntegrityState,
    @Inject(EVIDENCE_STORAGE) private readonly evidence: EvidenceStorage,
  ) {
    this.sealer = new LedgerSealer(store, key, {
      every: integrityConfig(config).sealEvery,
      clock,
      onError: (e) => console.error(`ledger sealer: ${(e as Error).message}`),
    });
  }

  onApplicationBootstrap(): void {
    this.sealer.start();
    // The start check: the chain from the newest seal to the head; a break found then or later degrades the service.
    this.integrity.watch(() => this.sealer.broken, this.sealer.caughtUp());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sealer.stop();
  }

  /**
   * Concurrent requests share one pass. The evidence files the reports name are rehashed up to the
   * same head: `ok` is false when the chain breaks or a file no longer proves what its event says.
   */
  verify(): Promise<VerifyReport & { evidence: EvidenceReport }> {
    this.verifying ??= (async () => {
      const chain = await verifyLedger(this.store, this.key.publicKey);
      const evidence = await verifyEvidence(this.store, this.evidence, { head: BigInt(chain.head) });
      return { ...chain, ok: chain.ok && evidence.ok, evidence };
    })().finally(() => {
      this.verifying = null;
    });
    return this.verifying;
  }
}
