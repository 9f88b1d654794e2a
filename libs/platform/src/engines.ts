import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import type { Clock } from './clock';
import type { LedgerConfig } from './config';

export class EngineNotAvailableError extends Error {}

export function sqliteEventStoreFile(config: Pick<LedgerConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'events.sqlite');
}

/** The event store the configuration names (LEDGER_EVENT_STORE): one factory for the API, projector and CLI. */
export async function openEventStore(config: LedgerConfig, options: { clock?: Clock } = {}): Promise<EventStore> {
  switch (config.eventStore) {
    case 'sqlite':
      fs.mkdirSync(config.dataDir, { recursive: true });
      return openSqliteEventStore({ file: sqliteEventStoreFile(config), synchronous: config.sqliteSynchronous, clock: options.clock });
    case 'postgres':
      throw new EngineNotAvailableError('LEDGER_EVENT_STORE=postgres is not available yet in this build; use sqlite (the default)');
    case 'eventstoredb':
      throw new EngineNotAvailableError('LEDGER_EVENT_STORE=eventstoredb is not available yet in this build; use sqlite (the default)');
  }
}
