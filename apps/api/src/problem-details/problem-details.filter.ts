import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ConcurrencyError, DuplicateEventIdError, EventTooLargeError, isStorageFull } from '@ledger/event-store';
import { ReadModelsBehindError } from '@ledger/read-models';
import type { Request, Response } from 'express';
import { RoleForbiddenError, UnauthenticatedError } from '../auth/auth.errors';
import { ApiProblem, ValidationProblem } from './errors';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: unknown[];
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

export const PROBLEM_BASE = 'https://ledger.local/problems/';

export function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return {
    type: PROBLEM_BASE + code.toLowerCase().replace(/_/g, '-'),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extra,
  };
}

export function sendProblem(res: Response, p: Problem, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  // A server fault names its request, so the operator finds the logged line the answer speaks of
  // (a 503 is no fault: the client is told when to come back).
  const requestId = res.getHeader(REQUEST_ID_RESPONSE_HEADER);
  const body = p.status >= 500 && p.status !== 503 && typeof requestId === 'string' ? { ...p, requestId } : p;
  res.status(p.status).type('application/problem+json').send(JSON.stringify(body));
}

export const REQUEST_ID_RESPONSE_HEADER = 'X-Request-Id';

/** Locals flag: this answer's failure is logged already (with its stack), the finish hook need not. */
const LOGGED = 'ledgerFailureLogged';
const serverErrors = new Logger('HTTP');

/**
 * Logs a 5xx once, with the request's method, path and id (503s, the expected "not yet" of read
 * models and readiness, as warnings). Called with the error where it is known, else from the
 * finish hook (requestLog) for answers no filter saw.
 */
export function logServerError(req: Request, res: Response, status: number, error?: unknown): void {
  if (status < 500 || res.locals[LOGGED]) return;
  res.locals[LOGGED] = true;
  const line = `${req.method} ${req.originalUrl} → ${status} (request ${String(res.getHeader(REQUEST_ID_RESPONSE_HEADER) ?? req.headers['x-request-id'] ?? '-')})`;
  const detail = error === undefined ? '' : `: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  if (status === 503 || status === 507) serverErrors.warn(line + (error instanceof Error ? `: ${error.message}` : ''));
  else serverErrors.error(line + detail);
}

/** Maps every error to RFC 9457 problem details, once, for the whole app. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { problem: p, headers } = this.toProblem(error);
    logServerError(host.switchToHttp().getRequest<Request>(), res, p.status, error);
    if (res.headersSent) return;
    sendProblem(res, p, headers);
  }

  toProblem(error: unknown): { problem: Problem; headers?: Record<string, string> } {
    if (error instanceof ValidationProblem) return { problem: problem(400, error.code, error.message, { errors: error.errors }) };
    if (error instanceof ApiProblem) return { problem: problem(error.status, error.code, error.message, error.extra) };
    if (error instanceof UnauthenticatedError) {
      return { problem: problem(401, error.code, error.message), headers: { 'WWW-Authenticate': 'Bearer' } };
    }
    if (error instanceof RoleForbiddenError) return { problem: problem(403, error.code, error.message) };
    if (error instanceof ConcurrencyError) {
      return { problem: problem(409, 'CONCURRENCY_CONFLICT', 'another write to the same record won; read it again and retry') };
    }
    if (error instanceof EventTooLargeError) return { problem: problem(413, error.code, error.message) };
    if (error instanceof DuplicateEventIdError) return { problem: problem(422, 'IDEMPOTENCY_KEY_REUSED', error.message) };
    if (error instanceof ReadModelsBehindError) {
      const seconds = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
      return {
        problem: problem(503, error.code, error.message, { checkpoint: error.checkpoint.toString(), requested: error.requested.toString() }),
        headers: { 'Retry-After': seconds },
      };
    }
    if (isStorageFull(error)) {
      // Reads go on, and the same request succeeds once space is freed (a write that did land is found again by its ids).
      return {
        problem: problem(
          507,
          'STORAGE_FULL',
          'the server has no disk space left to record this request; reads still work; send it again (with the same Idempotency-Key, if it had one) once space is freed',
        ),
        headers: { 'Retry-After': '30' },
      };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      const message =
        typeof body === 'string'
          ? body
          : Array.isArray((body as { message?: unknown }).message)
            ? (body as { message: string[] }).message.join('; ')
            : String((body as { message?: unknown }).message ?? error.message);
      const code = status === 404 ? 'NOT_FOUND' : (TITLES[status] ?? 'ERROR').toUpperCase().replace(/ /g, '_');
      return { problem: problem(status, code, message) };
    }
    // body-parser errors carry the status they deserve (400 malformed JSON, 413 too large, 415 charset).
    const bodyError = error as { type?: string; status?: number; expose?: boolean; message?: string };
    if (typeof bodyError?.type === 'string' && bodyError.expose && typeof bodyError.status === 'number') {
      const codes: Record<string, string> = {
        'entity.parse.failed': 'MALFORMED_JSON',
        'entity.too.large': 'BODY_TOO_LARGE',
        'charset.unsupported': 'UNSUPPORTED_CHARSET',
        'encoding.unsupported': 'UNSUPPORTED_ENCODING',
        'request.aborted': 'REQUEST_ABORTED',
        'entity.too.deep': 'JSON_TOO_DEEP',
        'entity.invalid.unicode': 'INVALID_UNICODE',
      };
      return { problem: problem(bodyError.status, codes[bodyError.type] ?? 'BAD_REQUEST_BODY', bodyError.message ?? 'bad request body') };
    }
    return { problem: problem(500, 'INTERNAL', 'an unexpected error occurred; it has been logged') };
  }
}
