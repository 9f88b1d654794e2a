export { openPostgresEventStore, PostgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store';
export { MIGRATIONS, migrate, type Migration } from './migrations';
export { inTransaction } from './transaction';
export { resilientPool } from './pool';
