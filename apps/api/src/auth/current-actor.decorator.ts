import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Actor } from '@ledger/contracts/events';

export const ACTOR_KEY = 'ledgerActor';

/** The authenticated user the global guard put on the request. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<Record<string, unknown>>();
  return req[ACTOR_KEY] as Actor;
});
