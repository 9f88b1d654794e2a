import * as os from 'node:os';
import { SingleBar, Presets } from 'cli-progress';
import { eventsBetween } from '@ledger/event-store';
import { openEventStore, type LedgerConfig } from '@ledger/platform';
import { openReadModels, rebuildBeside, rebuildReadModels, REBUILD_HEAP_MB, type RebuildPhase } from '@ledger/read-models';
import { LeaseLostError, ProjectionLease, readLease } from '@ledger/read-models/lease';

const LABEL: Record<RebuildPhase, string> = {
  current: 'current-state read models',
  temporal: 'temporal (as-of) read models',
};

/**
 * The rebuild's hold on the projection lease: one of its transactions may outlast a projector's lease
 * (LEDGER_PROJECTOR_LEASE_SECONDS), and a standby projector must not take over meanwhile; a rebuild
 * that dies without handing it back keeps the projectors waiting this long at most.
 */
export const REBUILD_LEASE_MS = 60_000;

/**
 * Replays the whole log into the read models: the current-state ones first (the API's ordinary
 * queries answer as soon as they are done), then the temporal ones; a progress bar each on stderr
 * (stdout stays clean but for one line per pass). It holds the projection lease throughout, as a
 * projector does (every transaction fenced): while a projector holds it, it refuses and changes
 * nothing; while it holds it, no projector writes.
 */
export async function rebuildCommand(config: LedgerConfig): Promise<number> {
  if (!config.readDbUrl) return rebuildBesideCommand(config);
  const store = await openEventStore(config);
  const ds = await openReadModels(config);
  // PostgreSQL: the lease's own connection, so that renewals do not queue inside the rebuild's
  // transactions. SQLite: the rebuild's own (one connection; a second one in this thread would wait for
  // the rebuild's write lock and block the very thread that holds it).
  const sqlite = ds.options.type === 'better-sqlite3';
  const leaseDs = sqlite
    ? ds
    : await openReadModels(config).catch(async (e: unknown) => {
        await ds.destroy();
        await store.close();
        throw e;
      });
  const closeAll = async () => {
    if (leaseDs !== ds) await leaseDs.destroy();
    await ds.destroy();
    await store.close();
  };
  const lease = await ProjectionLease.open(leaseDs, {
    holder: `ledger rebuild ${os.hostname()}/${process.pid}`,
    ttlMs: Math.max(REBUILD_LEASE_MS, config.projectorLeaseSeconds * 1000),
  });
  if ((await lease.tryAcquire()) === null) {
    const held = await readLease(leaseDs);
    process.stderr.write(
      `ledger rebuild: refused: the projection lease is held by ${held?.holder ?? 'another process'} ` +
        `(for ${Math.max(0, Math.ceil((held?.expiresInMs ?? 0) / 1000))} s more unless renewed); stop the projector first, nothing was changed\n`,
    );
    await closeAll();
    return 1;
  }
  const heartbeat = setInterval(() => void lease.renew().catch(() => undefined), Math.round(lease.options.ttlMs / 3));
  const bars = new Map<RebuildPhase, SingleBar>();
  const barOf = (phase: RebuildPhase, total: number) => {
    let bar = bars.get(phase);
    if (!bar) {
      bar = new SingleBar(
        { format: `${LABEL[phase].padEnd(28)} [{bar}] {percentage}% | {value}/{total} events | position {position}`, stream: process.stderr },
        Presets.shades_classic,
      );
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
      fence: (em) => lease.fence(em),
      onProgress: (p) => barOf(p.phase, head).update(p.events, { position: p.position.toString() }),
      onPassDone: (p) => {
        const bar = barOf(p.phase, head);
        bar.update(p.events, { position: p.position.toString() });
        bar.stop();
        process.stdout.write(`rebuilt the ${LABEL[p.phase]}: ${p.events} events up to position ${p.position} in ${(p.ms / 1000).toFixed(1)} s\n`);
      },
    });
    return 0;
  } catch (e) {
    if (!(e instanceof LeaseLostError)) throw e;
    for (const bar of bars.values()) bar.stop();
    process.stderr.write(
      `ledger rebuild: stopped: the projection lease was taken over by another process; a projector finishes the read models from the rebuild's last commit\n`,
    );
    return 1;
  } finally {
    clearInterval(heartbeat);
    for (const bar of bars.values()) bar.stop();
    await lease.release().catch(() => undefined);
    await closeAll();
  }
}

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
 * SQLite: the next generation of the read models in a file of its own while the projector, the
 * notifier and the API go on with the live one, then one switch (rebuildBeside). Nothing needs to be
 * stopped; a rebuild that fails or is stopped leaves the live set as it was.
 */
async function rebuildBesideCommand(config: LedgerConfig): Promise<number> {
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
