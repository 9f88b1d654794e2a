import 'reflect-metadata';
import { loadConfig, openEventStore } from '@ledger/platform';
import { openReadModels, rebuildReadModels, REBUILD_HEAP_MB } from '@ledger/read-models';

/* `ledger rebuild` without the progress bar, in a fresh process: its rate per pass and its peak RSS. */
async function main(): Promise<void> {
  const config = loadConfig();
  const store = await openEventStore(config);
  const ds = await openReadModels(config);
  const started = process.hrtime.bigint();
  const result = await rebuildReadModels(ds, store, { heapMb: REBUILD_HEAP_MB });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await ds.destroy();
  await store.close();
  process.send?.({
    events: result.events,
    seconds,
    // The current-state read models (what ordinary queries read) are ready after the first pass.
    currentSeconds: result.currentMs / 1000,
    temporalSeconds: result.temporalMs / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
