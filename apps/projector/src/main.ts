import 'reflect-metadata';
import { ConfigError, loadConfig, openEventStore } from '@ledger/platform';
import * as os from 'node:os';
import { openReadModels } from '@ledger/read-models';
import { startLeasedProjector } from '@ledger/read-models/lease';

/** Position logs at most this often while catching up; every batch is still committed on its own. */
const LOG_EVERY_MS = 2000;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} projector ${message}\n`);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  // Signals are heard from the start: one that comes while the stores open stops the process
  // gracefully as soon as they are (not the default handler's death by signal).
  let signalled: string | null = null;
  let onSignal = (signal: string) => void (signalled ??= signal);
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  const store = await openEventStore(config);
  const readModels = await openReadModels(config);
  // The lease's own connection: renewals must not run inside an open batch transaction.
  const leaseDb = await openReadModels(config);
  let lastLog = 0;
  let lastPosition = 0n;
  let lastTemporal = 0n;
  // Several projectors may run against one store and read database: one leads, the others stand by.
  const holder = `${os.hostname()}/${process.pid}`;
  const where = `store ${store.engine}, read models ${config.readDbUrl ? 'postgres' : 'sqlite'}`;
  log(`standby as ${holder}: waiting for the projection lease (${config.projectorLeaseSeconds} s; ${where})`);
  const projector = await startLeasedProjector(readModels, leaseDb, store, {
    holder,
    ttlMs: config.projectorLeaseSeconds * 1000,
    batchSize: 1000,
    onBatch: (checkpoint) => {
      lastPosition = checkpoint;
      if (Date.now() - lastLog >= LOG_EVERY_MS) {
        lastLog = Date.now();
        log(`at position ${checkpoint} (temporal read models at ${lastTemporal})`);
      }
    },
    onTemporalBatch: (checkpoint) => {
      lastTemporal = checkpoint;
    },
    onState: (state, detail) => {
      if (state === 'leader') {
        if (detail.checkpoint != null) lastPosition = detail.checkpoint;
        log(`leader (lease token ${detail.token}): started after position ${detail.checkpoint} (${where})`);
      } else log(`standby: ${detail.reason ?? 'waiting for the projection lease'}`);
    },
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping after the current batch`);
    await projector.stop();
    await readModels.destroy();
    await leaseDb.destroy();
    await store.close();
    log(`stopped at position ${lastPosition}`);
    process.exit(0);
  };
  onSignal = (signal) => void shutdown(signal);
  if (signalled) void shutdown(signalled);

  projector.done.catch(async (e: unknown) => {
    if (stopping) return;
    process.stderr.write(`projector failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    await readModels.destroy().catch(() => undefined);
    await leaseDb.destroy().catch(() => undefined);
    await store.close().catch(() => undefined);
    process.exit(1);
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`projector failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
