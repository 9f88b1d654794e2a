import { HttpStatus, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { expectAccess } from './access-audit.middleware';

/**
 * Global: tells every route handler's request what recordAccessAhead needs, with the status the route
 * answers on success (its @HttpCode, else Nest's 201 for a POST and 200 otherwise), so that an act can
 * be recorded in the access audit before it is done.
 */
@Injectable()
export class AccessAheadInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() === 'http') {
      const http = ctx.switchToHttp();
      const req = http.getRequest<Request>();
      const declared = Reflect.getMetadata(HTTP_CODE_METADATA, ctx.getHandler()) as number | undefined;
      expectAccess(req, http.getResponse<Response>(), declared ?? (req.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK));
    }
    return next.handle();
  }
}
