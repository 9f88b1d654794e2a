export { openEventStoreDbStore, EventStoreDbStore, type EventStoreDbOptions } from './eventstoredb-event-store';
