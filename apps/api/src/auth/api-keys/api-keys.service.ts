import * as crypto from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AccountRole, Actor } from '@ledger/contracts/events';
import { accountDecider, accountStream } from '@ledger/domain';
import type { Clock } from '@ledger/platform';
import { type ApiKeyRecord, CommandLoop, CredentialsStore, parseApiKey, secretHash } from '@ledger/application';
import { CLOCK } from '../../platform/tokens';
import { ApiProblem } from '../../problem-details/errors';
import { UnauthenticatedError } from '../auth.errors';

/**
 * API keys at use: read from the credentials table and the account's stream on every request (no
 * cache), so that a revocation, a lock or a close answers 401 from the very next request. The role
 * and unit are the account's now, never what they were when the key was issued.
 */
@Injectable()
export class ApiKeys {
  constructor(
    @Inject(CredentialsStore) private readonly credentials: CredentialsStore,
    private readonly path: CommandLoop,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async actorOf(token: string): Promise<{ actor: Actor; keyId: string }> {
    const parsed = parseApiKey(token);
    if (!parsed) throw new UnauthenticatedError('invalid API key');
    const key = await this.credentials.getKey(parsed.keyId);
    const given = Buffer.from(secretHash(parsed.secret));
    if (!key || !crypto.timingSafeEqual(given, Buffer.from(key.secretHash))) throw new UnauthenticatedError('invalid API key');
    if (key.revokedAt) throw new UnauthenticatedError('the API key has been revoked');
    if (key.expiresAt && Date.parse(key.expiresAt) <= this.clock.now().getTime()) throw new UnauthenticatedError('the API key has expired');
    const state = (await this.path.fold(accountStream(key.accountId), accountDecider)).state;
    if (state.status !== 'active') throw new UnauthenticatedError(`the API key's account is ${state.status === 'none' ? 'unknown' : state.status}`);
    const role = key.role ?? state.roles[0];
    if (!role || !state.roles.includes(role as AccountRole))
      throw new UnauthenticatedError(`the API key's account no longer holds the role ${role ?? '(none)'}`);
    const actor: Actor = {
      userId: state.accountId,
      role: role as AccountRole,
      unitId: role === 'unit' ? state.unitId : null,
      name: state.name,
      ...(state.rank && role === 'org_dept' ? { rank: state.rank } : {}),
    };
    return { actor, keyId: key.keyId };
  }

  async list(accountId: string): Promise<ApiKeyRecord[]> {
    await this.existing(accountId);
    return this.credentials.listKeys(accountId);
  }

  /** 吊销密钥: at once; revoking a revoked key is 409, a key of another account 404. */
  async revoke(accountId: string, keyId: string, by: string, beforeRevoking?: () => Promise<void>): Promise<ApiKeyRecord> {
    await this.existing(accountId);
    const key = await this.credentials.getKey(keyId);
    if (!key || key.accountId !== accountId) throw new ApiProblem(404, 'API_KEY_NOT_FOUND', `账号 ${accountId} 没有密钥 ${keyId}`);
    if (key.revokedAt) throw new ApiProblem(409, 'API_KEY_ALREADY_REVOKED', `密钥 ${keyId} 已于 ${key.revokedAt} 吊销`);
    // In the trail before the key stops working: a revocation the trail cannot record is not made (503).
    await beforeRevoking?.();
    await this.credentials.revokeKey(keyId, by, this.clock.now().toISOString());
    const { secretHash: _hidden, ...revoked } = (await this.credentials.getKey(keyId))!;
    return revoked;
  }

  private async existing(accountId: string): Promise<void> {
    const state = (await this.path.fold(accountStream(accountId), accountDecider)).state;
    if (state.status !== 'active') throw new ApiProblem(404, 'ACCOUNT_NOT_FOUND', '账号不存在');
  }
}
