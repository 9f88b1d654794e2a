import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type LedgerConfig } from '@ledger/platform';
import { parseStartArgs, START_USAGE, startCommand } from './start';
import { tokenCommand } from './token';

// The other commands are imported when run: `ledger token` need not load NestJS, TypeORM and the importers.
async function usage(): Promise<string> {
  const [{ IMPORT_SHEET_USAGE }, { EXPORT_USAGE }, { ACCOUNT_USAGE }, { NOTIFY_USAGE }] = await Promise.all([
    import('./sheets/import-sheet'),
    import('./sheets/export'),
    import('./accounts/account'),
    import('./notify'),
  ]);
  return `ledger <command> [options]

  token --role <role> [--unit <unitId>] --sub <userId> [--name <name>] [--rank leader] [--expires <e.g. 12h>]
        prints a bearer token for the API (roles: org_dept, discipline, inspector, unit, sysadmin, secadmin, auditadmin, admin (acts as sysadmin); --rank leader: 部领导,
        who approves a second or later extension)
  token --account <login|id> [--expires 90d] [--name <note>] [--role <a role it holds>]
        prints an API key bound to the account (role and unit the account's at each use; default expiry 90d),
        recorded in the credentials table (hashed) and the access audit; revoke it with ledger account revoke-key
  ${START_USAGE}
        runs the API and the projector (two processes; and the notifier when LEDGER_NOTIFY_CONFIG names its file) and prints the URL;
        --only runs one of them
  demo --scale <events> [--seed <n>] [--no-project] [--resume]
        writes a county of about that many events (up to 1,000,000) into the data folder, through the command path
  demo --province <counties> [--scale <events per county, default 100000>] [--seed <n>] [--no-project] [--resume]
        writes a province: a province committee over that many county trees, their years side by side;
        --resume goes on with an interrupted run in the same data folder and store (same --province, --scale, --seed)
  rebuild
        replays the whole event log into fresh read models, holding the projection lease; refuses (exit 1,
        nothing changed) while a projector holds it: stop the projector first
  verify [--key <seal-key.pub.pem>]
        recomputes the hash chains and checks every seal, reading only (a read-only copy will do);
        exit 0 verified, 1 a broken link (named), 2 could not check (no store or key, unreadable, bad configuration)
  ${(await import('./witness')).WITNESS_USAGE}
  ${(await import('./checkpoint')).CHECKPOINT_USAGE}
  seal
        seals a checkpoint now (Ed25519 key in LEDGER_SEAL_KEY_FILE, default <data dir>/seal-key.pem);
        refuses (exit 1) when the chain since the newest seal is broken
  ${IMPORT_SHEET_USAGE}
  ${EXPORT_USAGE}
  ${ACCOUNT_USAGE}
  ${NOTIFY_USAGE}
  ${(await import('./bulletin')).BULLETIN_USAGE}

Reads the same environment as the server: PORT, LEDGER_DATA_DIR, LEDGER_JWT_SECRET, LEDGER_EVENT_STORE, ...`;
}

export class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${await usage()}\n`);
    return command ? 0 : 2;
  }
  const config = (): LedgerConfig => loadConfig();
  switch (command) {
    case 'token': {
      const { values } = parseArgs({
        args: rest,
        options: {
          role: { type: 'string' },
          unit: { type: 'string' },
          sub: { type: 'string' },
          name: { type: 'string' },
          rank: { type: 'string' },
          expires: { type: 'string' },
          account: { type: 'string' },
        },
        strict: true,
      });
      if (values.account !== undefined) {
        if (values.sub !== undefined || values.unit !== undefined || values.rank !== undefined)
          throw new UsageError('token --account takes its sub, unit and rank from the account: leave out --sub, --unit and --rank');
        const { account, expires, name, role } = values;
        return (await import('./accounts/api-keys')).issueApiKey(config(), { account, expires, name, role });
      }
      process.stdout.write(`${tokenCommand(config(), values)}\n`);
      return 0;
    }
    case 'start': {
      const parsed = parseStartArgs(rest);
      if (!parsed.ok) throw new UsageError(parsed.message);
      // Checked here too: the API would stop on it, and be started again and again.
      (await import('@ledger/application')).parseBootstrapAdmin();
      return startCommand(config(), parsed.options);
    }
    case 'demo': {
      const { values } = parseArgs({
        args: rest,
        options: {
          scale: { type: 'string' },
          province: { type: 'string' },
          seed: { type: 'string', default: '7' },
          'no-project': { type: 'boolean', default: false },
          resume: { type: 'boolean', default: false },
        },
        strict: true,
      });
      if (values.province !== undefined) {
        const counties = Number(values.province);
        const perCounty = Number(values.scale ?? 100_000);
        if (!Number.isInteger(counties) || counties < 1 || counties > 1000) throw new UsageError('demo --province <counties>: a whole number from 1 to 1000');
        if (!Number.isInteger(perCounty) || perCounty < 1000 || perCounty > 1_000_000)
          throw new UsageError('demo --province N --scale <events per county>: a whole number from 1000 to 1000000');
        const { provinceCommand } = await import('./scale/scale-command');
        return provinceCommand(config(), { counties, perCounty, seed: Number(values.seed) || 7, project: !values['no-project'], resume: values.resume });
      }
      const scale = Number(values.scale);
      if (!Number.isInteger(scale) || scale < 1000 || scale > 1_000_000) throw new UsageError('demo --scale <events>: a whole number from 1000 to 1000000');
      const { scaleCommand } = await import('./scale/scale-command');
      return scaleCommand(config(), { scale, seed: Number(values.seed) || 7, project: !values['no-project'], resume: values.resume });
    }
    case 'rebuild':
      parseArgs({ args: rest, options: {}, strict: true });
      return (await import('./rebuild')).rebuildCommand(config());
    case 'verify': {
      const { values } = parseArgs({ args: rest, options: { key: { type: 'string' } }, strict: true });
      let verifyConfig: LedgerConfig;
      try {
        verifyConfig = config();
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        // A wrong environment checked nothing: exit 2, as for a missing store (1 means the ledger is broken).
        process.stderr.write(`ledger verify: could not check: ${e.message}\n`);
        return 2;
      }
      return (await import('./verify')).verifyCommand(verifyConfig, { key: values.key });
    }
    case 'seal':
      parseArgs({ args: rest, options: {}, strict: true });
      return (await import('./verify')).sealCommand(config());
    case 'witness':
      // The witness runs on another office's machine: it needs neither the ledger's environment nor its data folder.
      return (await import('./witness')).witnessMain(rest);
    case 'checkpoint':
      // Like the witness, it reads the ledger over HTTP: a county office prints from any machine.
      return (await import('./checkpoint')).checkpointMain(rest);
    case 'import-sheet':
      return (await import('./sheets/import-sheet')).importSheetMain(config(), rest);
    case 'export':
      return (await import('./sheets/export')).exportMain(config(), rest);
    case 'account':
      return (await import('./accounts/account')).accountMain(config(), rest);
    case 'bulletin':
      return (await import('./bulletin')).bulletinMain(config(), rest);
    case 'notify':
      return (await import('./notify')).notifyMain(config(), rest, (message) => new UsageError(message));
    default:
      throw new UsageError(`unknown command "${command}"\n\n${await usage()}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // Expected failures get one line, not a stack trace.
    if (e instanceof ConfigError || e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`ledger: ${(e as Error).message}\n`);
      process.exit(e instanceof ConfigError ? 1 : 2);
    }
    process.stderr.write(`ledger: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
