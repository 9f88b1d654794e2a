import 'reflect-metadata';
import * as os from 'node:os';
import { ConfigError, loadConfig, openEventStore, systemClock } from '@ledger/platform';
import { openReadModels } from '@ledger/read-models';
import { NotifyConfigError } from '@ledger/read-models/notifications';
import { bulletinFromReadModels } from './bulletins';
import { notifyConfigPath, NotifyConfigFile } from './config-file';
import { startNotifier } from './notifier';

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} notifier ${message}\n`);
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  const configPath = notifyConfigPath();
  if (!configPath) fail('notifier: LEDGER_NOTIFY_CONFIG must name the notification configuration file (channels and routes)');
  let file: NotifyConfigFile;
  try {
    file = new NotifyConfigFile(configPath, log);
  } catch (e) {
    fail(`notifier: ${configPath}: ${e instanceof NotifyConfigError ? e.problems.join('; ') : (e as Error).message}`);
  }
  let signalled: string | null = null;
  let onSignal = (signal: string) => void (signalled ??= signal);
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  const store = await openEventStore(config);
  const db = await openReadModels(config);
  // The lease's own connection: renewals must not wait behind an open transaction.
  const leaseDb = await openReadModels(config);
  const holder = `${os.hostname()}/${process.pid}`;
  log(`standby as ${holder}: waiting for the notifier lease (${config.projectorLeaseSeconds} s; configuration ${configPath})`);
  const notifier = await startNotifier(db, leaseDb, store, {
    holder,
    ttlMs: config.projectorLeaseSeconds * 1000,
    config: () => file.current(),
    log,
    bulletin: bulletinFromReadModels(db, store, config, systemClock),
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping after the message in flight`);
    await notifier.stop();
    await db.destroy();
    await leaseDb.destroy();
    await store.close();
    log('stopped');
    process.exit(0);
  };
  onSignal = (signal) => void shutdown(signal);
  if (signalled) void shutdown(signalled);
  notifier.done.catch(async (e: unknown) => {
    if (stopping) return;
    process.stderr.write(`notifier failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    await db.destroy().catch(() => undefined);
    await leaseDb.destroy().catch(() => undefined);
    await store.close().catch(() => undefined);
    process.exit(1);
  });
}

main().catch((e: unknown) => fail(`notifier failed to start: ${e instanceof Error ? e.message : String(e)}`));
