import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { UserRole } from '@ledger/contracts/events';
import { InvalidTokenError, verifyToken } from '@ledger/platform';
import { JWT_SECRET } from '../platform/tokens';
import { ACTOR_KEY } from './current-actor.decorator';
import { IS_PUBLIC } from './public.decorator';
import { ROLES_KEY } from './roles.decorator';
import { RoleForbiddenError, UnauthenticatedError } from './auth.errors';

/** Global: every route needs a valid bearer token unless @Public(); @Roles narrows who may call it. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(JWT_SECRET) private readonly secret: string,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> } & Record<string, unknown>>();
    const header = req.headers['authorization'];
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new UnauthenticatedError('missing bearer token');
    let actor;
    try {
      actor = verifyToken(match[1], this.secret);
    } catch (e) {
      if (e instanceof InvalidTokenError) throw new UnauthenticatedError(`invalid token: ${e.message}`);
      throw e;
    }
    req[ACTOR_KEY] = actor;
    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, targets);
    // A version 1 `admin` token acts as the system administrator (三员).
    if (roles && !roles.includes(actor.role as UserRole) && !(actor.role === 'admin' && roles.includes('sysadmin'))) {
      throw new RoleForbiddenError(`role ${actor.role} may not do this; allowed: ${roles.join(', ')}`);
    }
    return true;
  }
}
