import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Clock } from '@ledger/platform';
import { countyInstant } from '@ledger/platform';
import type { Request, Response } from 'express';
import { DuplicateEventIdError, sha256Hex } from '@ledger/event-store';
import { from, of, retry, switchMap, throwError, type Observable } from 'rxjs';
import { ACTOR_KEY } from '../auth/current-actor.decorator';
import { readCommandMeta } from '../command-path/command-meta';
import { IdempotencyKeyReusedProblem } from '../problem-details/errors';
import { IdempotencyStore } from './idempotency.store';

/** JSON with sorted keys: two bodies that differ only in key order are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Class metadata: the routes of this controller ignore Idempotency-Key (apps/api/src/auth/sign-in). */
export const NO_IDEMPOTENCY = 'ledger:noIdempotency';

/**
 * A one-time password (accounts: open, reset) is shown once and never stored: the record keeps the
 * answer without it, and a replay answers without it (the security administrator resets again).
 */
export function withoutSecrets(answer: unknown): unknown {
  if (answer === null || typeof answer !== 'object' || !('initialPassword' in answer)) return answer;
  const { initialPassword: _, ...rest } = answer as Record<string, unknown>;
  return rest;
}

/**
 * `Idempotency-Key` on commands: the same key with the same body answers the first (successful)
 * answer again and runs nothing; another body is a 422. Failures are not recorded, so a client may
 * retry a rejected command with the same key once the state allows it.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly records: IdempotencyStore,
    private readonly clock: Clock,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<Request>();
    if (req.method !== 'POST' || req.headers['idempotency-key'] === undefined) return next.handle();
    // A route without an actor (@Public: sign-in, refresh) has no one to scope a key by, and the auth
    // routes' answers and bodies are secrets (a token, a password's hash): never recorded, never replayed.
    if (!(req as unknown as Record<string, unknown>)[ACTOR_KEY] || Reflect.getMetadata(NO_IDEMPOTENCY, ctx.getClass()) === true) return next.handle();
    const meta = readCommandMeta(req as never);
    const scope = sha256Hex(meta.idempotencyKey as string);
    const fingerprint = sha256Hex(canonicalJson(req.body ?? {}));
    const res = ctx.switchToHttp().getResponse<Response>();
    return from(this.records.find(scope)).pipe(
      switchMap((found) => {
        if (found) {
          if (found.fingerprint !== fingerprint) throw new IdempotencyKeyReusedProblem();
          res.status(found.status).setHeader('Idempotent-Replayed', 'true');
          return of(JSON.parse(found.body) as unknown);
        }
        return next.handle().pipe(
          // A twin of this request (same key) on this or another instance appended first, between our
          // read and our append: its events carry the ids derived from the key, so running once more
          // finds them and answers as it did (the body check below still makes another body a 422).
          retry({ count: 1, delay: (e: unknown) => (e instanceof DuplicateEventIdError ? of(null) : throwError(() => e)) }),
          switchMap((answer) => {
            const body = JSON.stringify(withoutSecrets(answer));
            return from(this.records.save({ scope, fingerprint, status: res.statusCode, body, createdAt: countyInstant(this.clock.now()) })).pipe(
              switchMap((stored) => {
                // A concurrent twin with another body stored first: this one is the reuse.
                if (stored.fingerprint !== fingerprint) throw new IdempotencyKeyReusedProblem();
                return of(stored.body === body ? answer : (JSON.parse(stored.body) as unknown));
              }),
            );
          }),
        );
      }),
    );
  }
}
