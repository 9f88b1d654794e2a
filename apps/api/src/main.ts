import { ConfigError, loadConfig } from '@ledger/platform';
import { createApp } from './create-app';

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
  const app = await createApp({ config, logger: ['error', 'warn'], defaultMetrics: true });
  await app.listen(config.port);
  process.stdout.write(`ledger API listening on ${await app.getUrl()} (docs: /api/docs)\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`ledger API failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
