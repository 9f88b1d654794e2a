import * as path from 'node:path';
import { STREAM_PREFIX } from '@ledger/contracts/events';
import { openPostgresEventStore, openSqliteEventStore, type EventStore } from '@ledger/event-store';
import type { Clock } from './clock';
import type { LedgerConfig } from './config';
import { ensureDatabaseFile } from '@ledger/event-store/data-folder';

export class EngineNotAvailableError extends Error {}

export function sqliteEventStoreFile(config: Pick<LedgerConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'events.sqlite');
}

/** The event store the configuration names (LEDGER_EVENT_STORE): one factory for the API, projector and CLI. */
export async function openEventStore(config: LedgerConfig, options: { clock?: Clock; readOnly?: boolean } = {}): Promise<EventStore> {
  switch (config.eventStore) {
    case 'sqlite':
      // Read-only (ledger verify): the file must be there already, and nothing beside it is made.
      if (options.readOnly) return openSqliteEventStore({ file: sqliteEventStoreFile(config), readOnly: true });
      ensureDatabaseFile(sqliteEventStoreFile(config));
      return openSqliteEventStore({ file: sqliteEventStoreFile(config), synchronous: config.sqliteSynchronous, clock: options.clock });
    case 'postgres':
      return openPostgresEventStore({ url: config.eventStoreUrl as string, clock: options.clock });
    case 'eventstoredb': {
      // Loaded only when named: its gRPC client is some 6 MB of heap and 20 MB of RSS in every process otherwise.
      const { openEventStoreDbStore } = await import('@ledger/event-store/eventstoredb');
      return openEventStoreDbStore({
        url: config.eventStoreUrl as string,
        clock: options.clock,
        streamPrefixes: [...Object.values(STREAM_PREFIX), 'ledger_seal-'],
      }); // + the seals' stream (@ledger/integrity)
    }
  }
}
