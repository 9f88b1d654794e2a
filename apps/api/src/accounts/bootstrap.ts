import type { INestApplication } from '@nestjs/common';
import { LOGIN_PATTERN } from '@ledger/contracts';
import { accountDecider, accountStream } from '@ledger/domain';
import { ConfigError } from '@ledger/platform';
import { v4 as uuidv4 } from 'uuid';
import { CommandLoop, type CommandMeta } from '@ledger/application';
import { ApiProblem } from '../problem-details/errors';
import { AccountCommands } from './account-commands.service';

/** The bootstrap system administrator's id: fixed, so that only the first start of a ledger opens it. */
export const BOOTSTRAP_ACCOUNT_ID = 'bootstrap-sysadmin';
export const BOOTSTRAP_VARIABLE = 'LEDGER_BOOTSTRAP_ADMIN';
const DEFAULT_LOGIN = 'admin';
const MIN_PASSWORD = 10;

export interface BootstrapAdmin {
  login: string;
  /** Null: a one-time password is generated and printed once. */
  password: string | null;
}

/** LEDGER_BOOTSTRAP_ADMIN=<login>:<password> (the password may hold colons); unset: login admin, a generated password. */
export function parseBootstrapAdmin(env: NodeJS.ProcessEnv = process.env): BootstrapAdmin {
  const raw = env[BOOTSTRAP_VARIABLE];
  if (raw === undefined || raw === '') return { login: DEFAULT_LOGIN, password: null };
  const colon = raw.indexOf(':');
  const login = colon < 0 ? '' : raw.slice(0, colon);
  const password = colon < 0 ? '' : raw.slice(colon + 1);
  const problems: string[] = [];
  if (colon < 0) problems.push(`${BOOTSTRAP_VARIABLE} must be <login>:<password>`);
  else {
    if (!LOGIN_PATTERN.test(login)) problems.push(`${BOOTSTRAP_VARIABLE}: the login must be 2–64 letters, digits, . _ - or @`);
    if (password.length < MIN_PASSWORD || password.length > 128 || /[\p{Cc}]/u.test(password)) {
      problems.push(`${BOOTSTRAP_VARIABLE}: the password must be ${MIN_PASSWORD}–128 characters, no control characters`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return { login, password };
}

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
