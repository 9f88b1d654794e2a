import { parseArgs } from 'node:util';
import { ConfigError, exposedDataFiles, loadConfigOrExit } from '@ledger/platform';
import { integrityConfig } from '@ledger/integrity';
import { bootstrapAdministrator, parseBootstrapAdmin, type BootstrapAdmin } from './accounts/bootstrap';
import { createApp } from './create-app';

export const API_USAGE = 'node dist/apps/api/src/main.js [--demo]';

async function main(): Promise<void> {
  let demo: boolean;
  try {
    // --demo comes from `ledger start --demo`, on this process's command line: never from the data folder.
    ({ demo = false } = parseArgs({ args: process.argv.slice(2), options: { demo: { type: 'boolean' } }, strict: true }).values);
  } catch (e) {
    process.stderr.write(`ledger API: ${(e as Error).message}\n  ${API_USAGE}\n`);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  let bootstrap: BootstrapAdmin;
  try {
    bootstrap = parseBootstrapAdmin();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  const app = await createApp({ config, logger: ['error', 'warn'], defaultMetrics: true, demo });
  // Before listening: the first request finds the system administrator in place.
  const bootstrapped = await bootstrapAdministrator(app, bootstrap);
  if (bootstrapped) process.stdout.write(`${bootstrapped}\n`);
  await app.listen(config.port, config.host);
  process.stdout.write(`ledger API listening on ${await app.getUrl()} (docs: /api/docs)\n`);
  if (demo) {
    process.stdout.write(
      'ledger API: demo mode: GET /api/v1/demo/users hands the demo accounts and their tokens (admin included) to anyone who asks; never run --demo on real data\n',
    );
  }
  // After createApp: the databases and the secret exist by now, so every one of them is looked at.
  const secretFiles = [integrityConfig(config).sealKeyFile];
  for (const line of exposedDataFiles(config.dataDir, secretFiles)) process.stderr.write(`ledger API: warning: ${line}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`ledger API failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
