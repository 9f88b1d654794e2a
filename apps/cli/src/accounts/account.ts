import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { AccountReasonDto, AccountRoleDto, flattenValidationErrors, OpenAccountDto, type CommandResult } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import { systemClock, type LedgerConfig } from '@ledger/platform';
import { accountNow, accountsAt, accountsNow, TemporalQueries } from '@ledger/read-models';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { v4 as uuidv4 } from 'uuid';
import { AccountCommands, CommandLoop, type CommandMeta, CredentialsStore, Facts, type SessionEnd, SessionStore } from '@ledger/application';
import { openLedger, printProblem, processIo, usageError, type CliIo } from '../sheets/cli-io';

export const ACCOUNT_USAGE = `account add --login <login> --name <姓名> --role <role>[,<role>…] [--unit <unitId>] [--phone <phone>] [--rank leader] [--id <id>] [--reason <理由>]
        opens an account as the system administrator; prints { id, revision, position, initialPassword } (the one-time password, once)
  account grant|revoke <account> --role <role> [--unit <unitId>] [--reason <理由>]
  account lock|unlock|reset-password|close <account> [--reason <理由>]
        as the security administrator; <account> is its id or login; reset-password prints the new one-time password
  account revoke-key <key id> [--reason <理由>]
        as the security administrator: the API key answers 401 from the next request on
  account list [--as-of <instant>] [--role <role>]
        the accounts now, or as of an instant (who held which role then): one line each, tab-separated`;

const SECURITY_ACTIONS = ['grant', 'revoke', 'lock', 'unlock', 'reset-password', 'close'] as const;

/**
 * `ledger account …`: the same AccountCommands as the HTTP routes, in this process on the configured
 * store (like `ledger token`, for the operator on the server). Its events' actor is `cli:<os user>`,
 * acting as the administrator the command needs (sysadmin to open, secadmin for the rest).
 */
export async function accountMain(config: LedgerConfig, argv: string[], io: CliIo = processIo): Promise<number> {
  const [action, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      login: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      unit: { type: 'string' },
      phone: { type: 'string' },
      rank: { type: 'string' },
      id: { type: 'string' },
      reason: { type: 'string' },
      'as-of': { type: 'string' },
    },
  });
  const clock = io.clock ?? systemClock;
  if (action === 'add') {
    if (positionals.length) throw usageError(`account add takes no positional argument\n\n  ${ACCOUNT_USAGE}`);
    const body = plainToInstance(OpenAccountDto, {
      id: values.id,
      login: values.login,
      name: values.name,
      phone: values.phone,
      unitId: values.unit,
      rank: values.rank,
      reason: values.reason,
      roles:
        values.role === undefined
          ? undefined
          : values.role
              .split(',')
              .map((r) => r.trim())
              .filter(Boolean),
    });
    if (!(await valid(body, io))) return 2;
    return withAccounts(config, io, 'sysadmin', (accounts, meta) => accounts.open(body, meta));
  }
  if ((SECURITY_ACTIONS as readonly string[]).includes(action)) {
    if (positionals.length !== 1) throw usageError(`account ${action} <account>: name one account, by id or login\n\n  ${ACCOUNT_USAGE}`);
    const reason = plainToInstance(AccountReasonDto, { reason: values.reason });
    if (!(await valid(reason, io))) return 2;
    const roleBody = plainToInstance(AccountRoleDto, { role: values.role, unitId: values.unit, reason: values.reason });
    if ((action === 'grant' || action === 'revoke') && !(await valid(roleBody, io))) return 2;
    return withAccounts(config, io, 'secadmin', async (accounts, meta, ledger) => {
      const id = (await accountNow(ledger.readModels, { login: positionals[0] }))?.id ?? positionals[0];
      switch (action as (typeof SECURITY_ACTIONS)[number]) {
        case 'grant':
          return accounts.grant(id, roleBody, meta);
        case 'revoke':
          return accounts.revoke(id, roleBody, meta);
        case 'lock':
          return accounts.lock(id, reason.reason, meta);
        case 'unlock':
          return accounts.unlock(id, reason.reason, meta);
        case 'reset-password':
          return accounts.resetPassword(id, reason.reason, meta);
        case 'close':
          return accounts.close(id, reason.reason, meta);
      }
    });
  }
  if (action === 'revoke-key') {
    if (positionals.length !== 1) throw usageError(`account revoke-key <key id>: name one key\n\n  ${ACCOUNT_USAGE}`);
    return (await import('./api-keys')).revokeApiKey(config, positionals[0], values.reason, io);
  }
  if (action === 'list') {
    const asOf = values['as-of'];
    const ms = asOf === undefined ? null : Date.parse(asOf);
    if (ms !== null && !Number.isFinite(ms)) throw usageError('--as-of: an ISO-8601 instant with its offset, e.g. 2026-03-12T23:59:59+08:00');
    const role = plainToInstance(AccountRoleDto, { role: values.role });
    if (values.role !== undefined && !(await valid(role, io))) return 2;
    const ledger = await openLedger(config, clock);
    try {
      const filter = { role: values.role === undefined ? undefined : role.role };
      const rows =
        ms === null || ms >= clock.now().getTime()
          ? await accountsNow(ledger.readModels, filter)
          : await accountsAt(ledger.readModels, await new TemporalQueries(ledger.readModels, config).positionAt(ms), filter);
      for (const a of rows) io.out(`${[a.id, a.login, a.name, a.roles.join(','), a.unitId ?? '-', a.status].join('\t')}\n`);
      return 0;
    } finally {
      await ledger.close();
    }
  }
  throw usageError(`account: unknown action "${action ?? ''}"\n\n  ${ACCOUNT_USAGE}`);
}

async function valid(dto: object, io: CliIo): Promise<boolean> {
  const invalid = flattenValidationErrors(await validate(dto, { skipUndefinedProperties: false }));
  for (const e of invalid) io.err(`--${e.field === 'unitId' ? 'unit' : e.field === 'roles' ? 'role' : e.field}: ${e.messages.join('; ')}\n`);
  return invalid.length === 0;
}

async function withAccounts(
  config: LedgerConfig,
  io: CliIo,
  role: 'sysadmin' | 'secadmin',
  run: (accounts: AccountCommands, meta: CommandMeta, ledger: Awaited<ReturnType<typeof openLedger>>) => Promise<CommandResult>,
): Promise<number> {
  const clock = io.clock ?? systemClock;
  const ledger = await openLedger(config, clock);
  const credentials = new CredentialsStore(config);
  const sessions = new SessionStore(config);
  try {
    const loop = new CommandLoop(ledger.store, clock, { keptStreams: config.commandCacheStreams });
    // 退出所有会话 from the command line too: the API finds the sessions ended at its next check of them.
    const ender = {
      endAllSessions: async (accountId: string, reason: SessionEnd) => void (await sessions.endAll(accountId, clock.now().toISOString(), reason)),
    };
    const accounts = new AccountCommands(loop, new Facts(loop, ledger.queries), credentials, ender);
    const actor: Actor = { userId: `cli:${os.userInfo().username}`, role, unitId: null, name: '命令行' };
    const meta: CommandMeta = { actor, correlationId: uuidv4(), commandId: uuidv4(), idempotencyKey: null, ifMatch: null };
    const answer = await run(accounts, meta, ledger);
    // The read models include it before the command ends: `ledger account list` right after sees it.
    await ledger.projector.waitFor(BigInt(answer.position), 30_000);
    io.out(`${JSON.stringify(answer)}\n`);
    return 0;
  } catch (e) {
    if (printProblem(e, io)) return 1;
    throw e;
  } finally {
    await credentials.close();
    await sessions.close();
    await ledger.close();
  }
}
