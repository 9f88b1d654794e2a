import { SingleBar, Presets } from 'cli-progress';
import { openEventStore, type LedgerConfig } from '@ledger/platform';
import { openReadModels, rebuildReadModels } from '@ledger/read-models';

/** Replays the whole log into the read models, with a progress bar on stderr (stdout stays clean). */
export async function rebuildCommand(config: LedgerConfig): Promise<number> {
  const store = await openEventStore(config);
  const ds = await openReadModels(config);
  const bar = new SingleBar({ format: 'rebuilding read models [{bar}] {percentage}% | {value}/{total} events | position {position}', stream: process.stderr }, Presets.shades_classic);
  try {
    const head = await store.headPosition();
    bar.start(Number(head), 0, { position: '0' });
    const started = Date.now();
    const result = await rebuildReadModels(ds, store, {
      onProgress: (p) => bar.update(p.events, { position: p.position.toString() }),
    });
    bar.update(result.events, { position: result.position.toString() });
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`rebuilt ${result.events} events up to position ${result.position} in ${seconds.toFixed(1)} s\n`);
    return 0;
  } finally {
    bar.stop();
    await ds.destroy();
    await store.close();
  }
}
