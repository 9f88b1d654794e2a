import { isIP } from 'node:net';
import * as path from 'node:path';
import { DEFAULT_ESCALATION, parseEscalation, type EscalationStep } from './escalation';

export type EventStoreEngine = 'sqlite' | 'postgres' | 'eventstoredb';

export interface LedgerConfig {
  port: number;
  /** The address the API binds (LEDGER_HOST): 127.0.0.1 unless a deployment opens it (0.0.0.0, ::, an interface's address). */
  host: string;
  dataDir: string;
  jwtSecret: string | null;
  eventStore: EventStoreEngine;
  /** postgres://… or esdb://…; null for sqlite. */
  eventStoreUrl: string | null;
  /** postgres://…; null means SQLite in the data folder. */
  readDbUrl: string | null;
  /** SQLite store durability: FULL (default) survives power loss; NORMAL is faster. */
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /** Days before the due date in force that an open item counts as due soon (yellow light). */
  dueSoonDays: number;
  /** The county's time zone; dates in the ledger are local dates there. */
  timeZone: string;
  /** The deadline process (DeadlineMissed, automatic reminders, the escalation ladder) in the API app: LEDGER_DEADLINE_WORKER=on|off. */
  deadlineWorker: boolean;
  /** Seconds between its runs (LEDGER_DEADLINE_INTERVAL_SECONDS); the first run comes one interval after start. */
  deadlineIntervalSeconds: number;
  /** Days before the due date in force that the system sends its reminder (LEDGER_REMINDER_DAYS). */
  reminderDays: number;
  /** The escalation ladder for overdue items (LEDGER_ESCALATION), in rising days and levels; empty: off. */
  escalation: EscalationStep[];
  /** 星级化考核 weights and thresholds overriding the defaults (LEDGER_STAR_RATING, JSON); null: defaults. */
  starRating: Record<string, unknown> | null;
  /**
   * Projector failover (LEDGER_PROJECTOR_LEASE_SECONDS, default 6): a leader that stops renewing its
   * lease for this long is replaced by a standby projector. Longer than the longest batch.
   */
  projectorLeaseSeconds: number;
  /** Streams whose folded state the API's command path keeps between commands (LEDGER_COMMAND_CACHE_STREAMS). */
  commandCacheStreams: number;
  /** The API process's V8 old generation in MB (LEDGER_API_HEAP_MB); 0: V8's default. Applied by its launchers (apiNodeFlags). */
  apiHeapMb: number;
  /** `ledger start` restarts a child that died this many times in a row before it gives up on it (LEDGER_RESTART_LIMIT). */
  restartLimit: number;
  /** The first restart's delay in ms, doubling with each failure in a row up to 30 s (LEDGER_RESTART_BACKOFF_MS). */
  restartBackoffMs: number;
  /** /health/ready answers 503 once the projector's lag stays above this many events for readyGraceSeconds (LEDGER_READY_MAX_LAG). */
  readyMaxLag: number;
  /** How long the lag may stay above readyMaxLag, or the projection lease go unheld, before /health/ready says 503 (LEDGER_READY_GRACE_SECONDS). */
  readyGraceSeconds: number;
  /** What the API does once it finds the hash chain broken (LEDGER_ON_TAMPER): refuse writes (default) or warn and go on. */
  onTamper: 'refuse-writes' | 'warn';
  /** Days the access audit trail keeps an entry before pruning it (LEDGER_AUDIT_RETENTION_DAYS, at least 180). */
  auditRetentionDays: number;
  /**
   * The proxies whose X-Forwarded-For the API believes for a client's address (LEDGER_TRUST_PROXY: a
   * comma-separated list of addresses, CIDR ranges, `loopback`, `linklocal`, `uniquelocal`); null: none,
   * the socket's address is the client's.
   */
  trustProxy: string[] | null;
  /** Sign-in for people: password policy, lock-out and sessions. */
  signIn: SignInConfig;
  /** Single sign-on through the province's identity platform (统一身份认证, OpenID Connect); null: not offered. */
  oidc: OidcConfig | null;
  /**
   * The verifiable log's algorithm suite and time-stamping authority, as set (LEDGER_CRYPTO, LEDGER_TSA_URL,
   * LEDGER_TSA_CERT, LEDGER_TSA_TIMEOUT_MS, LEDGER_SM2_KEY_FILE): read by @ledger/integrity's logSetup,
   * which refuses a bad value naming the variable.
   */
  trustedLog: Partial<Record<TrustedLogVariable, string>>;
}

export const TRUSTED_LOG_VARIABLES = [
  'LEDGER_CRYPTO',
  'LEDGER_TSA_URL',
  'LEDGER_TSA_CERT',
  'LEDGER_TSA_TIMEOUT_MS',
  'LEDGER_SM2_KEY_FILE',
  'LEDGER_LOG_TREE_FILE',
  'LEDGER_LOG_STORE',
] as const;
export type TrustedLogVariable = (typeof TRUSTED_LOG_VARIABLES)[number];

/** LEDGER_OIDC_*: all of issuer, client id and secret, or none of them. */
export interface OidcConfig {
  /** LEDGER_OIDC_ISSUER: the provider's issuer URL (its /.well-known/openid-configuration is read). */
  issuer: string;
  /** LEDGER_OIDC_CLIENT_ID. */
  clientId: string;
  /** LEDGER_OIDC_CLIENT_SECRET. */
  clientSecret: string;
  /** The ID token claim naming the account's login (LEDGER_OIDC_LOGIN_CLAIM, default preferred_username). */
  loginClaim: string;
  /** LEDGER_OIDC_REDIRECT_URL; null: derived from the request (<scheme>://<host>/api/v1/auth/oidc/callback). */
  redirectUrl: string | null;
  /** The sign-in page's button (LEDGER_OIDC_LABEL, default 统一身份认证登录). */
  label: string;
}

/** The password policy (等保 practice by default), lock-out and session lifetimes. */
export interface SignInConfig {
  /** LEDGER_PASSWORD_MIN_LENGTH (default 8). */
  passwordMinLength: number;
  /** Of upper case, lower case, digits, other characters: how many a password must mix (LEDGER_PASSWORD_CLASSES, default 3). */
  passwordClasses: number;
  /** Days a password may be used before it must be changed at sign-in (LEDGER_PASSWORD_MAX_AGE_DAYS; 0: no limit). */
  passwordMaxAgeDays: number;
  /** Failed sign-ins in a row that lock an account (LEDGER_SIGN_IN_LOCK_ATTEMPTS, default 5). */
  lockAttempts: number;
  /** How long such a lock-out lasts (LEDGER_SIGN_IN_LOCK_MINUTES, default 15). */
  lockMinutes: number;
  /** Failed sign-ins from one address in a minute before it is answered 429 (LEDGER_SIGN_IN_ADDRESS_LIMIT, default 20). */
  addressLimitPerMinute: number;
  /** A session unused this long ends (LEDGER_SESSION_IDLE_MINUTES, default 30). */
  sessionIdleMinutes: number;
  /** A session ends this long after sign-in whatever its use (LEDGER_SESSION_MAX_HOURS, default 12). */
  sessionMaxHours: number;
  /** Lifetime of an access token (LEDGER_ACCESS_TOKEN_MINUTES, default 5). */
  accessTokenMinutes: number;
  /** The refresh cookie's Secure attribute (LEDGER_COOKIE_SECURE): auto (when the request came over https), on, off. */
  cookieSecure: 'auto' | 'on' | 'off';
}

/** Streams whose folded state the command path keeps: a few tens of MB of heap (docs/benchmarks.md). */
export const DEFAULT_COMMAND_CACHE_STREAMS = 50_000;

/**
 * Left to itself V8 lets the API's old generation grow with the allocation rate, to several times the
 * live heap after each full GC; a bound lowers that factor, and this one leaves room for the heaviest
 * request, a county's export (docs/benchmarks.md: "Measurements behind design choices", and "Uploads
 * and exports within the API's heap bound").
 */
export const DEFAULT_API_HEAP_MB = 512;
const MIN_API_HEAP_MB = 96;

/**
 * Node options the API process is launched with (`ledger start`, the service bench). A young generation
 * of 4 MB semi-spaces (V8's default grows them to 16) takes 40-50 MB off its peak under the command
 * load for at most some 5% more CPU a command; 2 MB costs 18% (docs/benchmarks.md, the API's peak RSS).
 */
export function apiNodeFlags(config: Pick<LedgerConfig, 'apiHeapMb'>): string[] {
  return [...(config.apiHeapMb > 0 ? [`--max-old-space-size=${config.apiHeapMb}`] : []), '--max-semi-space-size=4'];
}

/** The embedded default binds to this machine only; a deployment sets LEDGER_HOST=0.0.0.0 (or ::) explicitly. */
export const DEFAULT_HOST = '127.0.0.1';
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * A process's start-up: the configuration, or every problem named on stderr and exit code 1 (no stack
 * trace for a wrong environment variable). Anything else is thrown.
 */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

/** Reads and validates the environment once; a wrong value stops the process with every problem named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}=${raw}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const port = int('PORT', 3000, 0, 65535);
  const host = env.LEDGER_HOST || DEFAULT_HOST;
  if (!isIP(host) && !HOSTNAME.test(host)) {
    problems.push(`LEDGER_HOST=${host}: expected an IP address to bind (127.0.0.1, 0.0.0.0, ::, …) or a host name`);
  }
  const dueSoonDays = int('LEDGER_DUE_SOON_DAYS', 3, 0, 365);
  const dataDir = path.resolve(env.LEDGER_DATA_DIR || './data');

  const engineRaw = env.LEDGER_EVENT_STORE || 'sqlite';
  let eventStore: EventStoreEngine = 'sqlite';
  if (engineRaw === 'sqlite' || engineRaw === 'postgres' || engineRaw === 'eventstoredb') eventStore = engineRaw;
  else problems.push(`LEDGER_EVENT_STORE=${engineRaw}: expected sqlite, postgres or eventstoredb`);

  const eventStoreUrl = env.LEDGER_EVENT_STORE_URL || null;
  if (eventStore === 'sqlite' && eventStoreUrl) {
    problems.push(
      'LEDGER_EVENT_STORE_URL is set but LEDGER_EVENT_STORE is sqlite (the embedded store lives in LEDGER_DATA_DIR); set LEDGER_EVENT_STORE=postgres or eventstoredb, or unset the URL',
    );
  }
  if (eventStore === 'postgres' && !/^postgres(ql)?:\/\//.test(eventStoreUrl ?? '')) {
    problems.push('LEDGER_EVENT_STORE=postgres needs LEDGER_EVENT_STORE_URL=postgres://user:password@host:5432/db');
  }
  if (eventStore === 'eventstoredb' && !/^(esdb|kurrentdb|kdb)(\+discover)?:\/\//.test(eventStoreUrl ?? '')) {
    problems.push('LEDGER_EVENT_STORE=eventstoredb needs LEDGER_EVENT_STORE_URL=esdb://host:2113?tls=false');
  }
  const readDbUrl = env.LEDGER_READ_DB_URL || null;
  if (readDbUrl && !/^postgres(ql)?:\/\//.test(readDbUrl)) {
    problems.push(`LEDGER_READ_DB_URL must be a postgres:// URL (unset means SQLite in the data folder); got ${readDbUrl}`);
  }

  const syncRaw = (env.LEDGER_SQLITE_SYNCHRONOUS || 'FULL').toUpperCase();
  let sqliteSynchronous: 'FULL' | 'NORMAL' = 'FULL';
  if (syncRaw === 'FULL' || syncRaw === 'NORMAL') sqliteSynchronous = syncRaw;
  else problems.push(`LEDGER_SQLITE_SYNCHRONOUS=${syncRaw}: expected FULL or NORMAL`);

  const workerRaw = (env.LEDGER_DEADLINE_WORKER || 'on').toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(workerRaw)) problems.push(`LEDGER_DEADLINE_WORKER=${workerRaw}: expected on or off`);
  const deadlineWorker = ['on', 'true', '1'].includes(workerRaw);
  const deadlineIntervalSeconds = int('LEDGER_DEADLINE_INTERVAL_SECONDS', 600, 1, 86_400);
  const reminderDays = int('LEDGER_REMINDER_DAYS', 3, 0, 365);
  const ladder = parseEscalation(env.LEDGER_ESCALATION || DEFAULT_ESCALATION);
  if ('problem' in ladder) problems.push(ladder.problem);
  const escalation = 'ladder' in ladder ? ladder.ladder : [];
  const projectorLeaseSeconds = int('LEDGER_PROJECTOR_LEASE_SECONDS', 6, 1, 600);
  const commandCacheStreams = int('LEDGER_COMMAND_CACHE_STREAMS', DEFAULT_COMMAND_CACHE_STREAMS, 0, 10_000_000);
  const apiHeapMb = int('LEDGER_API_HEAP_MB', DEFAULT_API_HEAP_MB, 0, 65_536);
  if (apiHeapMb > 0 && apiHeapMb < MIN_API_HEAP_MB) {
    problems.push(`LEDGER_API_HEAP_MB=${apiHeapMb}: at least ${MIN_API_HEAP_MB} (the API holds every stream's head for its sealer), or 0 for V8's default`);
  }
  const restartLimit = int('LEDGER_RESTART_LIMIT', 5, 0, 1000);
  const restartBackoffMs = int('LEDGER_RESTART_BACKOFF_MS', 1000, 1, 600_000);
  // /health/ready counts the lag up to 100,000 events (it stops counting there): a higher bound could never be passed.
  const readyMaxLag = int('LEDGER_READY_MAX_LAG', 10_000, 0, 99_999);
  const readyGraceSeconds = int('LEDGER_READY_GRACE_SECONDS', 30, 0, 86_400);
  const onTamperRaw = (env.LEDGER_ON_TAMPER || 'refuse-writes').toLowerCase();
  let onTamper: LedgerConfig['onTamper'] = 'refuse-writes';
  if (onTamperRaw === 'refuse-writes' || onTamperRaw === 'warn') onTamper = onTamperRaw;
  else problems.push(`LEDGER_ON_TAMPER=${env.LEDGER_ON_TAMPER}: expected refuse-writes or warn`);
  // 180 days is the floor a county's rules set for access logs: a shorter retention is refused, not rounded up.
  const auditRetentionRaw = env.LEDGER_AUDIT_RETENTION_DAYS;
  const auditRetentionDays = int('LEDGER_AUDIT_RETENTION_DAYS', 180, 0, 36_500);
  if (auditRetentionRaw !== undefined && auditRetentionRaw !== '' && Number.isInteger(Number(auditRetentionRaw)) && auditRetentionDays < 180) {
    problems.push(`LEDGER_AUDIT_RETENTION_DAYS=${auditRetentionRaw}: the access audit trail is kept at least 180 days; set 180 or more`);
  }
  let trustProxy: string[] | null = null;
  if (env.LEDGER_TRUST_PROXY) {
    trustProxy = env.LEDGER_TRUST_PROXY.split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const wrong = trustProxy.filter((t) => !['loopback', 'linklocal', 'uniquelocal'].includes(t) && !isIP(t.replace(/\/\d{1,3}$/, '')));
    if (wrong.length || !trustProxy.length) {
      problems.push(
        `LEDGER_TRUST_PROXY=${env.LEDGER_TRUST_PROXY}: expected addresses or CIDR ranges of the proxies in front of the API (or loopback, linklocal, uniquelocal), comma-separated; not ${wrong.join(', ') || 'empty'}`,
      );
    }
  }
  const cookieSecureRaw = (env.LEDGER_COOKIE_SECURE || 'auto').toLowerCase();
  if (!['auto', 'on', 'off'].includes(cookieSecureRaw)) problems.push(`LEDGER_COOKIE_SECURE=${env.LEDGER_COOKIE_SECURE}: expected auto, on or off`);
  const signIn: SignInConfig = {
    passwordMinLength: int('LEDGER_PASSWORD_MIN_LENGTH', 8, 8, 128),
    passwordClasses: int('LEDGER_PASSWORD_CLASSES', 3, 1, 4),
    passwordMaxAgeDays: int('LEDGER_PASSWORD_MAX_AGE_DAYS', 0, 0, 3650),
    lockAttempts: int('LEDGER_SIGN_IN_LOCK_ATTEMPTS', 5, 1, 100),
    lockMinutes: int('LEDGER_SIGN_IN_LOCK_MINUTES', 15, 1, 1440),
    addressLimitPerMinute: int('LEDGER_SIGN_IN_ADDRESS_LIMIT', 20, 1, 10_000),
    sessionIdleMinutes: int('LEDGER_SESSION_IDLE_MINUTES', 30, 1, 1440),
    sessionMaxHours: int('LEDGER_SESSION_MAX_HOURS', 12, 1, 720),
    accessTokenMinutes: int('LEDGER_ACCESS_TOKEN_MINUTES', 5, 1, 60),
    cookieSecure: (['auto', 'on', 'off'].includes(cookieSecureRaw) ? cookieSecureRaw : 'auto') as SignInConfig['cookieSecure'],
  };
  if (signIn.accessTokenMinutes > signIn.sessionIdleMinutes) {
    problems.push(
      `LEDGER_ACCESS_TOKEN_MINUTES=${signIn.accessTokenMinutes}: at most LEDGER_SESSION_IDLE_MINUTES (${signIn.sessionIdleMinutes}), or a token outlives the idle timeout`,
    );
  }
  const oidc = oidcConfig(env, problems);
  let starRating: Record<string, unknown> | null = null;
  if (env.LEDGER_STAR_RATING) {
    try {
      const parsed: unknown = JSON.parse(env.LEDGER_STAR_RATING);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      starRating = parsed as Record<string, unknown>;
    } catch {
      problems.push('LEDGER_STAR_RATING must be a JSON object, e.g. {"weights":{"returned":3}}');
    }
  }

  const jwtSecret = env.LEDGER_JWT_SECRET || null;
  if (jwtSecret !== null && jwtSecret.length < 16) problems.push('LEDGER_JWT_SECRET must be at least 16 characters');

  if (problems.length) throw new ConfigError(problems);
  return {
    port,
    host,
    dataDir,
    jwtSecret,
    eventStore,
    eventStoreUrl,
    readDbUrl,
    sqliteSynchronous,
    dueSoonDays,
    timeZone: 'Asia/Shanghai',
    deadlineWorker,
    deadlineIntervalSeconds,
    reminderDays,
    escalation,
    starRating,
    projectorLeaseSeconds,
    commandCacheStreams,
    apiHeapMb,
    restartLimit,
    restartBackoffMs,
    readyMaxLag,
    readyGraceSeconds,
    onTamper,
    auditRetentionDays,
    trustProxy,
    signIn,
    oidc,
    trustedLog: Object.fromEntries(TRUSTED_LOG_VARIABLES.filter((k) => env[k] !== undefined).map((k) => [k, env[k] as string])),
  };
}

/** An https URL, or http on this machine (a provider run beside the ledger, or a test's). */
function webUrl(raw: string): URL | null {
  try {
    const u = new URL(raw);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    return u.protocol === 'https:' || (u.protocol === 'http:' && loopback) ? u : null;
  } catch {
    return null;
  }
}

function oidcConfig(env: NodeJS.ProcessEnv, problems: string[]): OidcConfig | null {
  const names = ['LEDGER_OIDC_ISSUER', 'LEDGER_OIDC_CLIENT_ID', 'LEDGER_OIDC_CLIENT_SECRET'] as const;
  const set = names.filter((n) => env[n]);
  const extras = ['LEDGER_OIDC_LOGIN_CLAIM', 'LEDGER_OIDC_REDIRECT_URL', 'LEDGER_OIDC_LABEL'].filter((n) => env[n]);
  if (!set.length) {
    if (extras.length)
      problems.push(
        `${extras.join(', ')} set without LEDGER_OIDC_ISSUER, LEDGER_OIDC_CLIENT_ID and LEDGER_OIDC_CLIENT_SECRET: single sign-on needs all three (or unset them)`,
      );
    return null;
  }
  if (set.length < names.length) {
    problems.push(`single sign-on needs all of ${names.join(', ')} or none; missing ${names.filter((n) => !env[n]).join(', ')}`);
    return null;
  }
  const issuer = env.LEDGER_OIDC_ISSUER!;
  if (!webUrl(issuer) || new URL(issuer).search || new URL(issuer).hash)
    problems.push(`LEDGER_OIDC_ISSUER=${issuer}: expected the provider's https:// issuer URL (http:// only on this machine), without query or fragment`);
  const loginClaim = env.LEDGER_OIDC_LOGIN_CLAIM || 'preferred_username';
  if (!/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/.test(loginClaim))
    problems.push(`LEDGER_OIDC_LOGIN_CLAIM=${loginClaim}: expected a claim name such as preferred_username, email or employee_id`);
  const redirectUrl = env.LEDGER_OIDC_REDIRECT_URL || null;
  if (redirectUrl !== null && (!webUrl(redirectUrl) || !new URL(redirectUrl).pathname.endsWith('/api/v1/auth/oidc/callback'))) {
    problems.push(`LEDGER_OIDC_REDIRECT_URL=${redirectUrl}: expected https://<the ledger's address>/api/v1/auth/oidc/callback (http:// only on this machine)`);
  }
  const clientId = env.LEDGER_OIDC_CLIENT_ID!;
  if (clientId.length > 256 || /\s/.test(clientId))
    problems.push('LEDGER_OIDC_CLIENT_ID: expected the client id the provider registered (no spaces, at most 256 characters)');
  const label = env.LEDGER_OIDC_LABEL || '统一身份认证登录';
  if (label.length > 40) problems.push(`LEDGER_OIDC_LABEL: at most 40 characters (a button's text); got ${label.length}`);
  return { issuer, clientId, clientSecret: env.LEDGER_OIDC_CLIENT_SECRET!, loginClaim, redirectUrl, label };
}
