import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@ledger/event-store';
import { LogTreeStore, VerifiableLog, logTreeFile, type SealKey } from '@ledger/integrity';
import type { Clock, LedgerConfig } from '@ledger/platform';
import { CLOCK, EVENT_STORE, LEDGER_CONFIG } from '../platform/tokens';
import { SEAL_KEY } from './audit.service';

/** The verifiable log in the API process: its tree file follows the event store; checkpoints are signed with the seal key. */
@Injectable()
export class LogService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly log: VerifiableLog;
  private readonly tree: LogTreeStore;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(SEAL_KEY) key: SealKey, @Inject(LEDGER_CONFIG) config: LedgerConfig, @Inject(CLOCK) clock: Clock) {
    this.tree = new LogTreeStore(logTreeFile(config));
    this.log = new VerifiableLog(store, this.tree, key.privateKey, { clock, onError: (e) => console.error(`ledger log tree: ${(e as Error).message}`) });
  }

  onApplicationBootstrap(): void {
    this.log.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.log.stop();
    this.tree.close();
  }
}
