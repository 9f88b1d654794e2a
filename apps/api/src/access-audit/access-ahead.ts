import { HttpStatus, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { EventStore } from '@ledger/event-store';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { recordAccessAhead, withAccessAhead } from './access-audit.middleware';

/**
 * Global: runs every route handler where recordAccessAhead finds its request, with the status the
 * route answers on success (its @HttpCode, else Nest's 201 for a POST and 200 otherwise), so that an
 * act can be recorded in the access audit before it is done.
 */
@Injectable()
export class AccessAheadInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const http = ctx.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const declared = Reflect.getMetadata(HTTP_CODE_METADATA, ctx.getHandler()) as number | undefined;
    const status = declared ?? (req.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
    // Subscribed inside the request's context: the handler (and every await under it) runs there.
    return new Observable((subscriber) => withAccessAhead(req, res, status, () => next.handle().subscribe(subscriber)));
  }
}

/**
 * The store the command loop appends through: a request the access audit records (an API key's or a
 * machine token's command, an account change) has its entry written before its events are appended,
 * so a trail that cannot record it leaves the ledger unchanged. Other requests append as before.
 */
export function appendsRecordedAhead(store: EventStore): EventStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'append') {
        return async (...args: Parameters<EventStore['append']>) => {
          await recordAccessAhead();
          return target.append(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
