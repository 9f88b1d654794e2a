import * as os from 'node:os';
import { SingleBar, Presets } from 'cli-progress';
import { eventsBetween } from '@ledger/event-store';
import { openEventStore, type LedgerConfig } from '@ledger/platform';
import { rebuildBeside, REBUILD_HEAP_MB, type RebuildPhase } from '@ledger/read-models';

const LABEL: Record<RebuildPhase, string> = {
  current: 'current-state read models',
  temporal: 'temporal (as-of) read models',
};

/**
 * The rebuild's hold on the new generation's lease: one of its transactions may outlast a projector's
 * lease (LEDGER_PROJECTOR_LEASE_SECONDS). No projector looks at that generation before the switch.
 */
export const REBUILD_LEASE_MS = 60_000;

/** The bars of a rebuild's two passes on stderr, and one line per pass on stdout. */
function progressBars(head: number) {
  const bars = new Map<RebuildPhase, SingleBar>();
  const barOf = (phase: RebuildPhase) => {
    let bar = bars.get(phase);
    if (!bar) {
      bar = new SingleBar(
        { format: `${LABEL[phase].padEnd(28)} [{bar}] {percentage}% | {value}/{total} events | position {position}`, stream: process.stderr },
        Presets.shades_classic,
      );
      bar.start(head, 0, { position: '0' });
      bars.set(phase, bar);
    }
    return bar;
  };
  return {
    onProgress: (p: { phase: RebuildPhase; events: number; position: bigint }) => barOf(p.phase).update(p.events, { position: p.position.toString() }),
    onPassDone: (p: { phase: RebuildPhase; events: number; position: bigint; ms: number }) => {
      const bar = barOf(p.phase);
      bar.update(p.events, { position: p.position.toString() });
      bar.stop();
      process.stdout.write(`rebuilt the ${LABEL[p.phase]}: ${p.events} events up to position ${p.position} in ${(p.ms / 1000).toFixed(1)} s\n`);
    },
    stop: () => {
      for (const bar of bars.values()) bar.stop();
    },
  };
}

/**
 * Replays the whole log into the next generation of the read models (a SQLite file or a PostgreSQL
 * schema of its own) while the projector, the notifier and the API go on with the live one, then
 * switches them over in one step (rebuildBeside): the current-state pass first, then the temporal one,
 * a progress bar each on stderr, one line per step on stdout. Nothing needs to be stopped; a rebuild
 * that fails or is stopped leaves the live set as it was, and the next one drops what it left.
 */
export async function rebuildCommand(config: LedgerConfig): Promise<number> {
  const store = await openEventStore(config);
  const head = Number(await eventsBetween(store, 0n, await store.headPosition()));
  const bars = progressBars(head);
  try {
    const result = await rebuildBeside(config, store, {
      holder: `ledger rebuild ${os.hostname()}/${process.pid}`,
      ttlMs: Math.max(REBUILD_LEASE_MS, config.projectorLeaseSeconds * 1000),
      liveTtlMs: config.projectorLeaseSeconds * 1000,
      heapMb: REBUILD_HEAP_MB,
      onProgress: bars.onProgress,
      onPassDone: bars.onPassDone,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`the read models are ${result.file} from position ${result.switchedAt} on\n`);
    return 0;
  } catch (e) {
    bars.stop();
    process.stderr.write(`ledger rebuild: failed, the live read models are unchanged: ${(e as Error).message}\n`);
    return 1;
  } finally {
    bars.stop();
    await store.close();
  }
}
