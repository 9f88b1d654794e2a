import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Actor, UserRole } from '@ledger/contracts/events';
import { RoleForbiddenError } from '../auth/auth.errors';
import { ACTOR_KEY } from '../auth/current-actor.decorator';
import { EVERY_ACCOUNT_KEY } from '../auth/every-account.decorator';
import { IS_PUBLIC } from '../auth/public.decorator';
import { ROLES_KEY } from '../auth/roles.decorator';

/**
 * 三员分立: the administrators act on accounts, the organisation tree and the audit trail, never on
 * items. The query routes name no roles (every county role reads them), so the administrators are
 * confined the other way round: only to routes whose @Roles names their role (an `admin` token's is
 * sysadmin's), or that are marked @EveryAccount. The audit administrator reads and exports the access
 * audit trail and reads the verifiable log, nothing else. Runs after AuthGuard.
 */
@Injectable()
export class AuditAdminConfinementGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const actor = ctx.switchToHttp().getRequest<Record<string, unknown>>()[ACTOR_KEY] as Actor | undefined;
    const role = actor?.role;
    if (role !== 'auditadmin' && role !== 'sysadmin' && role !== 'secadmin' && role !== 'admin') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) || this.reflector.getAllAndOverride<boolean>(EVERY_ACCOUNT_KEY, targets)) return true;
    const named = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, targets) ?? [];
    if (named.includes(role) || (role === 'admin' && named.includes('sysadmin'))) return true;
    if (role === 'auditadmin')
      throw new RoleForbiddenError(
        'the audit administrator reads and exports the access audit trail (GET /api/v1/audit/access) and reads the verifiable log (GET /api/v1/log/…), nothing else',
      );
    throw new RoleForbiddenError(`role ${role} administers accounts and the organisation tree; it neither acts on items nor reads them`);
  }
}
