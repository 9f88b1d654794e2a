import { loadConfigOrExit } from '@ledger/platform';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApp({ config, logger: ['error', 'warn'], defaultMetrics: true });
  await app.listen(config.port);
  process.stdout.write(`ledger API listening on ${await app.getUrl()} (docs: /api/docs)\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`ledger API failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
