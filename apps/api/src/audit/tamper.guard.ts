import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { IntegrityState } from './integrity-state';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global, after the AuthGuard: under LEDGER_ON_TAMPER=refuse-writes every write request (commands,
 * imports) is refused once the chain is known broken, before its body is even validated. The command
 * path checks again before it appends (the deadline process writes without a request).
 */
@Injectable()
export class TamperGuard implements CanActivate {
  constructor(private readonly integrity: IntegrityState) {}

  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() !== 'http') return true;
    const method = ctx.switchToHttp().getRequest<{ method: string }>().method;
    if (!READS.has(method)) this.integrity.assertWritable();
    return true;
  }
}
