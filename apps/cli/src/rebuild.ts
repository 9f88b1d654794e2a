import { SingleBar, Presets } from 'cli-progress';
import { eventsBetween } from '@ledger/event-store';
import { openEventStore, type LedgerConfig } from '@ledger/platform';
import { openReadModels, rebuildReadModels, REBUILD_HEAP_MB, type RebuildPhase } from '@ledger/read-models';

const LABEL: Record<RebuildPhase, string> = {
  current: 'current-state read models',
  temporal: 'temporal (as-of) read models',
};

/**
 * Replays the whole log into the read models: the current-state ones first (the API's ordinary
 * queries answer as soon as they are done), then the temporal ones; a progress bar each on stderr
 * (stdout stays clean but for one line per pass).
 */
export async function rebuildCommand(config: LedgerConfig): Promise<number> {
  const store = await openEventStore(config);
  const ds = await openReadModels(config);
  const bars = new Map<RebuildPhase, SingleBar>();
  const barOf = (phase: RebuildPhase, total: number) => {
    let bar = bars.get(phase);
    if (!bar) {
      bar = new SingleBar({ format: `${LABEL[phase].padEnd(28)} [{bar}] {percentage}% | {value}/{total} events | position {position}`, stream: process.stderr }, Presets.shades_classic);
      bar.start(total, 0, { position: '0' });
      bars.set(phase, bar);
    }
    return bar;
  };
  try {
    // The bars count events: positions may have gaps (EventStoreDB), so the head is no total.
    const head = Number(await eventsBetween(store, 0n, await store.headPosition()));
    await rebuildReadModels(ds, store, {
      heapMb: REBUILD_HEAP_MB,
      onProgress: (p) => barOf(p.phase, head).update(p.events, { position: p.position.toString() }),
      onPassDone: (p) => {
        const bar = barOf(p.phase, head);
        bar.update(p.events, { position: p.position.toString() });
        bar.stop();
        process.stdout.write(`rebuilt the ${LABEL[p.phase]}: ${p.events} events up to position ${p.position} in ${(p.ms / 1000).toFixed(1)} s\n`);
      },
    });
    return 0;
  } finally {
    for (const bar of bars.values()) bar.stop();
    await ds.destroy();
    await store.close();
  }
}
