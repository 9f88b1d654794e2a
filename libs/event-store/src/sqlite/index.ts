export { SqliteEventStore, openSqliteEventStore, SQLITE_EVENTS_SCHEMA } from './sqlite-event-store';
export type { SqliteEventStoreOptions, OpenSqliteEventStoreOptions, SqliteEventStoreStats, SqliteSynchronous } from './sqlite-event-store';
