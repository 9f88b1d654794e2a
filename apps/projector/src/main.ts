import 'reflect-metadata';
import { ConfigError, loadConfig, openEventStore } from '@ledger/platform';
import { openReadModels, startProjector } from '@ledger/read-models';

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
  const store = await openEventStore(config);
  const readModels = await openReadModels(config);
  let lastLog = 0;
  let lastPosition = 0n;
  const projector = await startProjector(readModels, store, {
    batchSize: 1000,
    onBatch: (checkpoint) => {
      lastPosition = checkpoint;
      if (Date.now() - lastLog >= LOG_EVERY_MS) {
        lastLog = Date.now();
        log(`at position ${checkpoint}`);
      }
    },
  });
  log(`started after position ${projector.position} (store ${store.engine}, read models ${config.readDbUrl ? 'postgres' : 'sqlite'})`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping after the current batch`);
    await projector.stop();
    await readModels.destroy();
    await store.close();
    log(`stopped at position ${lastPosition || projector.position}`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  projector.done.catch(async (e: unknown) => {
    if (stopping) return;
    process.stderr.write(`projector failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    await readModels.destroy().catch(() => undefined);
    await store.close().catch(() => undefined);
    process.exit(1);
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`projector failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
