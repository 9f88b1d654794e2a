import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@ledger/event-store';
import { LogTreeStore, PostgresCheckpointStore, VerifiableLog, logSetup, logStoreKind, settleFirstLeaf, type LogSetup, type SealKey } from '@ledger/integrity';
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
    this.tree = new LogTreeStore(this.setup.treeFile, this.setup.hash);
    // Several instances on one PostgreSQL store share the checkpoints, the countersignatures and the tree's
    // first leaf; each derives the rest of the tree from the events itself.
    const shared = logStoreKind(config.eventStore, config.trustedLog) === 'postgres' && config.eventStoreUrl ? config.eventStoreUrl : null;
    const checkpoints = shared ? PostgresCheckpointStore.open(shared, this.setup.hash.name) : undefined;
    const setup = this.setup;
    const tree = this.tree;
    this.log = new VerifiableLog(store, this.tree, this.setup.privateKey, {
      checkpoints,
      clock,
      scheme: this.setup.scheme,
      publicKey: this.setup.publicKey,
      stamper: this.setup.stamper,
      onError: (e) => console.error(`ledger log tree: ${(e as Error).message}`),
      // A suite switched since the last start: the new tree's first leaf commits to the old tree's last checkpoint.
      prepare: async () => {
        const previousCheckpoints = shared && setup.previous ? PostgresCheckpointStore.open(shared, setup.previous.hash.name) : undefined;
        try {
          const settled = await settleFirstLeaf({
            tree,
            treeFile: setup.treeFile,
            checkpoints: this.log.checkpoints,
            previous: setup.previous,
            previousCheckpoints,
            now: () => clock.now(),
          });
          if (settled.switchedFrom)
            console.log(
              `ledger log: ${setup.suite.name} tree started; its leaf 0 commits to the ${settled.switchedFrom.algorithm} tree of ${settled.switchedFrom.treeSize} events (root ${settled.switchedFrom.root})`,
            );
          if (!settled.agrees)
            console.error(
              `ledger log: ${setup.treeFile} begins with another first leaf than the one the instances keep: its checkpoints will be refused (LOG_TREE_MISMATCH) until the file is removed and rebuilt from the events`,
            );
        } finally {
          await previousCheckpoints?.close();
        }
      },
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
