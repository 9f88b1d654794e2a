import type { AccountRole } from '@ledger/contracts/events';
import { accountDecider, accountLoginDecider, accountLoginStream, accountStream, normalLogin, type AccountState } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { openEventStore, systemClock, type LedgerConfig } from '@ledger/platform';
import { CredentialsStore, lifetimeMs, newApiKey } from '@ledger/application';
import { cliActor, recordCliAccess } from '../cli-access';
import { processIo, usageError, type CliIo } from '../sheets/cli-io';

/** A key lives this long unless --expires says otherwise: every key expires. */
export const DEFAULT_KEY_LIFETIME = '90d';

export interface AccountKeyOptions {
  account: string;
  expires?: string;
  name?: string;
  role?: string;
}

/**
 * `ledger token --account <login|id>`: an API key bound to the account, recorded in the credentials
 * table (its secret as a hash only) and in the access audit trail before it is printed. Its role and
 * unit are the account's at each use; a revoked or expired key, or one of a locked or closed
 * account, is refused (401).
 */
export async function issueApiKey(config: LedgerConfig, o: AccountKeyOptions, io: CliIo = processIo): Promise<number> {
  const clock = io.clock ?? systemClock;
  const lifetime = lifetimeMs(o.expires ?? DEFAULT_KEY_LIFETIME);
  if (lifetime === null) throw usageError('--expires: a lifetime such as 90d, 12h or 30m');
  if (o.name !== undefined && (o.name.trim() === '' || o.name.length > 200)) throw usageError('--name: a note of 1 to 200 characters');
  const store = await openEventStore(config, { clock });
  const credentials = new CredentialsStore(config);
  try {
    const account = await findAccount(store, o.account);
    if (!account) return fail(io, 'ACCOUNT_NOT_FOUND', `no account ${o.account}`);
    if (account.status !== 'active')
      return fail(io, account.status === 'closed' ? 'ACCOUNT_CLOSED' : 'ACCOUNT_LOCKED', `the account ${o.account} is ${account.status}`);
    if (o.role !== undefined && !account.roles.includes(o.role as AccountRole))
      return fail(io, 'ROLE_NOT_HELD', `the account ${o.account} does not hold the role ${o.role}`);
    if (o.role === undefined && account.roles.length === 0) return fail(io, 'ACCOUNT_WITHOUT_ROLE', `the account ${o.account} holds no role`);
    const now = clock.now();
    const key = newApiKey();
    const by = cliActor();
    const expiresAt = new Date(now.getTime() + lifetime).toISOString();
    await credentials.createKey({
      keyId: key.keyId,
      accountId: account.accountId,
      secretHash: key.secretHash,
      role: o.role ?? null,
      name: o.name?.trim() ?? null,
      createdAt: now.toISOString(),
      createdBy: by,
      expiresAt,
    });
    try {
      await recordCliAccess(config, clock, {
        action: 'api-key-issued',
        target: `account:${account.accountId}`,
        detail: { apiKey: key.keyId, expiresAt, ...(o.role ? { role: o.role } : {}) },
      });
    } catch (e) {
      // A key the trail does not record is not handed out.
      await credentials.revokeKey(key.keyId, by, now.toISOString());
      throw e;
    }
    io.out(`${key.key}\n`);
    io.err(`key ${key.keyId} for ${account.login} (${account.accountId}), expires ${expiresAt}\n`);
    return 0;
  } finally {
    await credentials.close();
    await store.close();
  }
}

/** `ledger account revoke-key <key id>`: as the security administrator, at once. */
export async function revokeApiKey(config: LedgerConfig, keyId: string, reason: string | undefined, io: CliIo = processIo): Promise<number> {
  const clock = io.clock ?? systemClock;
  const credentials = new CredentialsStore(config);
  try {
    const key = await credentials.getKey(keyId);
    if (!key) return fail(io, 'API_KEY_NOT_FOUND', `no key ${keyId}`);
    if (key.revokedAt) return fail(io, 'API_KEY_ALREADY_REVOKED', `the key ${keyId} was revoked at ${key.revokedAt}`);
    const by = cliActor();
    // In the trail before the key stops working: a revocation the trail cannot record is not made.
    await recordCliAccess(config, clock, {
      role: 'secadmin',
      action: 'api-key-revoked',
      target: `account:${key.accountId}`,
      detail: { apiKey: keyId, ...(reason ? { reason } : {}) },
    });
    await credentials.revokeKey(keyId, by, clock.now().toISOString());
    const { secretHash: _hidden, ...revoked } = (await credentials.getKey(keyId))!;
    io.out(`${JSON.stringify(revoked)}\n`);
    return 0;
  } finally {
    await credentials.close();
  }
}

async function findAccount(store: EventStore, loginOrId: string): Promise<Extract<AccountState, { accountId: string }> | null> {
  const fold = async <S>(stream: string, decider: { initialState(): S; evolve(s: S, e: never): S }): Promise<S> =>
    (await store.readStream(stream)).reduce((s, e) => decider.evolve(s, e as never), decider.initialState());
  const login = normalLogin(loginOrId);
  const claim = /^[a-z0-9][a-z0-9._@-]{1,63}$/.test(login) ? await fold(accountLoginStream(login), accountLoginDecider) : null;
  const id = claim?.status === 'claimed' ? claim.accountId : loginOrId;
  const state = await fold(accountStream(id), accountDecider);
  return state.status === 'none' ? null : state;
}

function fail(io: CliIo, code: string, message: string): number {
  io.err(`${code}: ${message}\n`);
  return 1;
}
