import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { UserRole } from '@ledger/contracts/events';
import { InvalidTokenError, verifyAccessToken, type Clock } from '@ledger/platform';
import type { Response } from 'express';
import { CLOCK, JWT_SECRET } from '../platform/tokens';
import { noteAccess } from '../access-audit/access-audit.middleware';
import { ApiProblem } from '../problem-details/errors';
import { ApiKeys } from './api-keys/api-keys.service';
import { looksLikeApiKey, parseApiKey } from '@ledger/application';
import { BEFORE_PASSWORD_CHANGE_KEY } from './password-change.decorator';
import { SignInService } from './sign-in/sign-in.service';
import { ACTOR_KEY } from './current-actor.decorator';
import { IS_PUBLIC } from './public.decorator';
import { ROLES_KEY } from './roles.decorator';
import { RoleForbiddenError, UnauthenticatedError } from './auth.errors';
import { AccountSubs } from './account-subs';

/** The request's key for the session id of a sign-in's token (null: a `ledger token`). */
export const SESSION_KEY = 'ledgerSession';

/** Global: every route needs a valid bearer token unless @Public(); @Roles narrows who may call it. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(JWT_SECRET) private readonly secret: string,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly signIn: SignInService,
    private readonly apiKeys: ApiKeys,
    private readonly accountSubs: AccountSubs,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> } & Record<string, unknown>>();
    const header = req.headers['authorization'];
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new UnauthenticatedError('missing bearer token');
    if (looksLikeApiKey(match[1])) {
      // An API key (`ledger token --account`): checked against the credentials table on every request.
      // Named before the check, so that the trail's refusal of a revoked or expired key says which key it was.
      const keyId = parseApiKey(match[1])?.keyId;
      if (keyId) noteAccess(ctx.switchToHttp().getResponse(), { detail: { apiKey: keyId } });
      const { actor } = await this.apiKeys.actorOf(match[1]);
      req[ACTOR_KEY] = actor;
      req[SESSION_KEY] = null;
      return this.roleMay(actor.role, targets);
    }
    let verified;
    try {
      // The app's one clock: a session token's expiry is the clock's (tests move it), as its session's timeouts are.
      verified = verifyAccessToken(match[1], this.secret, this.clock.now());
    } catch (e) {
      if (e instanceof InvalidTokenError) throw new UnauthenticatedError(`invalid token: ${e.message}`);
      throw e;
    }
    const { actor, sessionId, mustChangePassword } = verified;
    // A `ledger token` whose sub names no account: a machine client, every use of it in the trail as such.
    if (!sessionId && !(await this.accountSubs.namesAccount(actor.userId)))
      noteAccess(ctx.switchToHttp().getResponse<Response>(), { detail: { machineToken: true } });
    // A sign-in's token lives only as long as its session: sign-out, a lock, a reset or the idle timeout end it at once.
    if (sessionId) await this.signIn.checkSession(sessionId, (n) => noteAccess(ctx.switchToHttp().getResponse<Response>(), n));
    req[ACTOR_KEY] = actor;
    req[SESSION_KEY] = sessionId;
    if (mustChangePassword && !this.reflector.getAllAndOverride<boolean>(BEFORE_PASSWORD_CHANGE_KEY, targets)) {
      throw new ApiProblem(403, 'PASSWORD_CHANGE_REQUIRED', '请先修改初始密码（或已重置、已过期的密码）再使用系统');
    }
    return this.roleMay(actor.role, targets);
  }

  private roleMay(role: string, targets: Parameters<Reflector['getAllAndOverride']>[1]): boolean {
    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, targets);
    // A version 1 `admin` token acts as the system administrator (三员).
    if (roles && !roles.includes(role as UserRole) && !(role === 'admin' && roles.includes('sysadmin'))) {
      throw new RoleForbiddenError(`role ${role} may not do this; allowed: ${roles.join(', ')}`);
    }
    return true;
  }
}
