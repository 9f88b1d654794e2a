import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Actor } from '@ledger/contracts/events';
import { v4 as uuidv4 } from 'uuid';
import { ACTOR_KEY } from '../auth/current-actor.decorator';
import { ApiProblem } from '../problem-details/errors';

/** Who sends a command and how: everything of the request the command path needs besides the body. */
export interface CommandMeta {
  actor: Actor;
  /** The request (X-Request-Id or generated): every event of one request shares it. */
  correlationId: string;
  /** This command's id: the causation id of the events it produces. */
  commandId: string;
  /** `Idempotency-Key`, scoped by user and route; null without the header. */
  idempotencyKey: string | null;
  /** `If-Match: "<revision>"`, parsed; null without the header. */
  ifMatch: number | null;
}

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_HEADER = /^[\x21-\x7e]{1,200}$/;

export function parseIfMatch(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === '*') return null;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(raw);
  if (!m) throw new ApiProblem(400, 'INVALID_IF_MATCH', 'If-Match must be a revision in quotes, e.g. "3"');
  return Number(m[1]);
}

export function readCommandMeta(req: { headers: Record<string, string | string[] | undefined>; method: string; route?: { path?: string }; originalUrl?: string } & Record<string, unknown>): CommandMeta {
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
    idempotencyKey: key === undefined ? null : `${actor.userId}\n${req.method} ${(req.originalUrl ?? '').split('?')[0]}\n${key}`,
    ifMatch: parseIfMatch(header('if-match')),
  };
}

/** The command's metadata, as controllers hand it to their command. */
export const Meta = createParamDecorator((_: unknown, ctx: ExecutionContext): CommandMeta => readCommandMeta(ctx.switchToHttp().getRequest()));
