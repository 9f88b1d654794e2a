import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@ledger/event-store';
import { LogTreeStore, PostgresCheckpointStore, VerifiableLog, logSetup, logStoreKind, openSuiteTree, type LogSetup, type SealKey } from '@ledger/integrity';
import type { Clock, LedgerConfig } from '@ledger/platform';
import { CLOCK, EVENT_STORE, LEDGER_CONFIG } from '../platform/tokens';
import { SEAL_KEY } from './audit.service';

/** The verifiable log in the API process: its tree file follows the event store; checkpoints are signed with the seal key. */
@Injectable()
export class LogService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly log: VerifiableLog;
  private readonly tree: LogTreeStore;
  /** The suite (LEDGER_CRYPTO), the checkpoint key and the time-stamping authority (LEDGER_TSA_URL) the log runs with. */
  readonly setup: LogSetup;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(SEAL_KEY) key: SealKey,
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.setup = logSetup(config, key, config.trustedLog, (e) =>
      console.error(`ledger log: checkpoint issued without a timestamp (the next one asks again): ${e.message}`),
    );
    // A suite switched since the last start: the new tree's first leaf commits to the old tree's last checkpoint.
    const opened = openSuiteTree({ treeFile: this.setup.treeFile, hash: this.setup.hash, previous: this.setup.previous, now: () => clock.now() });
    this.tree = opened.tree;
    if (opened.switchedFrom)
      console.log(
        `ledger log: ${this.setup.suite.name} tree started; its leaf 0 commits to the ${opened.switchedFrom.algorithm} tree of ${opened.switchedFrom.treeSize} events (root ${opened.switchedFrom.root})`,
      );
    // Several instances on one PostgreSQL store share the checkpoints and countersignatures; each derives the same tree itself.
    const checkpoints =
      logStoreKind(config.eventStore, config.trustedLog) === 'postgres' && config.eventStoreUrl
        ? PostgresCheckpointStore.open(config.eventStoreUrl, this.setup.hash.name)
        : undefined;
    this.log = new VerifiableLog(store, this.tree, this.setup.privateKey, {
      checkpoints,
      clock,
      scheme: this.setup.scheme,
      publicKey: this.setup.publicKey,
      stamper: this.setup.stamper,
      onError: (e) => console.error(`ledger log tree: ${(e as Error).message}`),
    });
  }

  onApplicationBootstrap(): void {
    this.log.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.log.stop();
    await this.log.checkpoints.close();
    this.tree.close();
  }
}
