import type { INestApplication } from '@nestjs/common';
import { accountDecider, accountStream } from '@ledger/domain';
import { v4 as uuidv4 } from 'uuid';
import { BOOTSTRAP_ACCOUNT_ID, BOOTSTRAP_VARIABLE, CommandLoop, type BootstrapAdmin, type CommandMeta } from '@ledger/application';
import { ApiProblem } from '../problem-details/errors';
import { AccountCommands } from './account-commands.service';

export { BOOTSTRAP_ACCOUNT_ID, BOOTSTRAP_VARIABLE, parseBootstrapAdmin, type BootstrapAdmin } from '@ledger/application';

/**
 * The first start of a ledger opens the system administrator (三员: who opens every other account),
 * with a password the holder must change at the first sign-in. Answers the line to print — once: a
 * later start, or another instance that lost the race, finds the account's stream and answers null.
 * The event's actor is the system; every later account event's is an account.
 */
export async function bootstrapAdministrator(app: INestApplication, admin: BootstrapAdmin): Promise<string | null> {
  const existing = await app.get(CommandLoop).fold(accountStream(BOOTSTRAP_ACCOUNT_ID), accountDecider);
  if (existing.revision !== null) return null;
  const meta: CommandMeta = {
    actor: { userId: 'system:bootstrap', role: 'system', unitId: null, name: '系统初始化' },
    correlationId: uuidv4(),
    commandId: uuidv4(),
    idempotencyKey: null,
    ifMatch: null,
  };
  try {
    const opened = await app
      .get(AccountCommands)
      .open({ id: BOOTSTRAP_ACCOUNT_ID, login: admin.login, name: '系统管理员', roles: ['sysadmin'], reason: '首次启动' }, meta, admin.password ?? undefined);
    return admin.password === null
      ? `bootstrap administrator: login ${admin.login}, one-time password ${opened.initialPassword} (shown once; change it at the first sign-in)`
      : `bootstrap administrator: login ${admin.login}, password from ${BOOTSTRAP_VARIABLE} (change it at the first sign-in)`;
  } catch (e) {
    // Another instance opened it first.
    if (e instanceof ApiProblem && (e.code === 'CONCURRENCY_CONFLICT' || e.code === 'ACCOUNT_ALREADY_EXISTS')) return null;
    throw e;
  }
}
