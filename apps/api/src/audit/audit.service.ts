import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@ledger/event-store';
import { LedgerSealer, integrityConfig, verifyLedger, type SealKey, type VerifyReport } from '@ledger/integrity';
import type { Clock, LedgerConfig } from '@ledger/platform';
import { CLOCK, EVENT_STORE, LEDGER_CONFIG } from '../platform/tokens';
import { IntegrityState } from './integrity-state';

export const SEAL_KEY = Symbol('SEAL_KEY');

/**
 * Tamper evidence in the API process: the sealer follows the log and seals every LEDGER_SEAL_EVERY
 * events (and on demand, for proofs); verification is a full recomputation, one at a time.
 */
@Injectable()
export class AuditService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly sealer: LedgerSealer;
  private verifying: Promise<VerifyReport> | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SEAL_KEY) readonly key: SealKey,
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
    @Inject(CLOCK) clock: Clock,
    private readonly integrity: IntegrityState,
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

  /** Concurrent requests share one pass. */
  verify(): Promise<VerifyReport> {
    this.verifying ??= verifyLedger(this.store, this.key.publicKey).finally(() => {
      this.verifying = null;
    });
    return this.verifying;
  }
}
