export { SqliteEventStore, openSqliteEventStore } from './sqlite-event-store';
export type {
  SqliteEventStoreOptions,
  OpenSqliteEventStoreOptions,
  SqliteEventStoreStats,
  SqliteSynchronous,
} from './sqlite-event-store';
