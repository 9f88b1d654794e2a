import { useTestPostgres } from '@ledger/platform/testing/postgres';
import { eventStoreContract } from '../testing/contract-suite';
import { openPostgresEventStore } from './postgres-event-store';

const pg = useTestPostgres();

eventStoreContract('postgres', async () => {
  const url = await pg.freshDatabase();
  const store = await openPostgresEventStore({ url });
  return {
    store,
    reopen: () => openPostgresEventStore({ url }),
    cleanup: () => store.close(),
  };
});
