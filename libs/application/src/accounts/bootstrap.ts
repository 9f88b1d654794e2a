import { LOGIN_PATTERN } from '@ledger/contracts/http/accounts';
import { ConfigError } from '@ledger/platform';

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
