import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Actor } from '@ledger/contracts/events';
import type { CommandMeta } from '@ledger/application';
import { v4 as uuidv4 } from 'uuid';
import type { Response } from 'express';
import { recordAccessAhead } from '../access-audit/access-audit.middleware';
import { ACTOR_KEY } from '../auth/current-actor.decorator';
import { ApiProblem } from '../problem-details/errors';

/** What a request says about its command (actor, ids, Idempotency-Key, If-Match): read here, used by the loop. */
export type { CommandMeta } from '@ledger/application';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_HEADER = /^[\x21-\x7e]{1,200}$/;

export function parseIfMatch(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === '*') return null;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(raw);
  if (!m) throw new ApiProblem(400, 'INVALID_IF_MATCH', 'If-Match must be a revision in quotes, e.g. "3"');
  return Number(m[1]);
}

/**
 * The route a request reached, spelled one way: the template Express matched with its parameters put
 * back, so `/API/V1/items/i1/urge/` and `/api/v1/items/%69%31/urge` are `/api/v1/items/i1/urge`
 * (routing ignores case and a trailing slash, and decodes parameters). For the canonical spelling
 * it is the path itself, as keys recorded before were scoped.
 */
export function canonicalRoute(req: { route?: { path?: unknown }; params?: unknown; originalUrl?: string }): string {
  const template = req.route?.path;
  if (typeof template !== 'string') return (req.originalUrl ?? '').split('?')[0];
  const params = (req.params ?? {}) as Record<string, unknown>;
  return template.replace(/:([A-Za-z0-9_]+)/g, (m, name: string) => (typeof params[name] === 'string' ? encodeURIComponent(params[name] as string) : m));
}

export function readCommandMeta(
  req: {
    headers: Record<string, string | string[] | undefined>;
    method: string;
    route?: { path?: unknown };
    params?: unknown;
    originalUrl?: string;
    res?: unknown;
  } & Record<string, unknown>,
): CommandMeta {
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const actor = req[ACTOR_KEY] as Actor;
  const requestId = header(REQUEST_ID_HEADER);
  const key = header('idempotency-key');
  if (key !== undefined && !SAFE_HEADER.test(key)) {
    throw new ApiProblem(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1–200 visible ASCII characters');
  }
  return {
    actor,
    correlationId: requestId && SAFE_HEADER.test(requestId) ? requestId : uuidv4(),
    commandId: uuidv4(),
    idempotencyKey: key === undefined ? null : `${actor.userId}\n${req.method} ${canonicalRoute(req)}\n${key}`,
    ifMatch: parseIfMatch(header('if-match')),
    // A request the access audit records (an API key's, a machine token's, an account change) is in it before it appends.
    ...(req.res ? { beforeAppend: () => recordAccessAhead(req.res as Response) } : {}),
  };
}

/** The command's metadata, as controllers hand it to their command. */
export const Meta = createParamDecorator((_: unknown, ctx: ExecutionContext): CommandMeta => readCommandMeta(ctx.switchToHttp().getRequest()));
