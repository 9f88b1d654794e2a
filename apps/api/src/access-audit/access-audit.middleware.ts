import { Logger } from '@nestjs/common';
import type { Actor } from '@ledger/contracts/events';
import { isStorageFull } from '@ledger/event-store';
import type { AccessAudit, AccessEntryInput } from '@ledger/integrity';
import type { NextFunction, Request, Response } from 'express';
import { ACTOR_KEY } from '../auth/current-actor.decorator';
import { problem } from '../problem-details/problem-details.filter';
import { classifyAccess, outcomeOf } from './classify';

/** res.locals key: what a route knows better than the request (the login of a sign-in, a reason). */
export const ACCESS_AUDIT_NOTE = 'ledgerAccessAudit';
export type AccessAuditNote = Partial<Pick<AccessEntryInput, 'actor' | 'role' | 'name' | 'action' | 'target' | 'detail' | 'outcome'>>;

/** Lets a route (e.g. sign-in, where no token names the person) tell the audit who it was. */
export function noteAccess(res: Response, note: AccessAuditNote): void {
  res.locals[ACCESS_AUDIT_NOTE] = { ...(res.locals[ACCESS_AUDIT_NOTE] as AccessAuditNote | undefined), ...note };
}

const log = new Logger('AccessAudit');

/** res.locals key: the recorder, for a route that writes its entry before acting. */
const ACCESS_AUDIT_KEY = 'ledgerAccessAuditRecorder';
/** res.locals key: the entry a route wrote before acting (recordAccessAhead), or why it could not. */
const ACCESS_AHEAD = 'ledgerAccessAhead';

interface AccessAhead {
  req: Request;
  res: Response;
  audit: AccessAudit;
  /** The status the route answers when it succeeds (its @HttpCode, else 201 for a POST). */
  status: number;
  written: Promise<AccessEntryInput | null> | null;
  entry?: AccessEntryInput | null;
  failure?: unknown;
}

/** Before a route handler runs (AccessAheadInterceptor): what recordAccessAhead needs of its request. */
export function expectAccess(req: Request, res: Response, status: number): void {
  const audit = res.locals[ACCESS_AUDIT_KEY] as AccessAudit | undefined;
  if (audit) res.locals[ACCESS_AHEAD] = { req, res, audit, status, written: null } satisfies AccessAhead;
}

/**
 * Writes the request's entry now, as its answer will describe it if it succeeds, before the route does
 * what it was asked (replays a dead letter, appends a command's events, stores a file, revokes a key):
 * the answer alone is held back by the middleware, but an act done before the entry that then cannot
 * be written would be done and unrecorded, its client told 503. Throws when the entry cannot be
 * written, and the answer becomes that 503 (507 for a full disk) whatever the route answers instead.
 * Once per request; nothing for a request the trail does not record. If the answer then differs (a
 * refusal found after), it is recorded too.
 */
export async function recordAccessAhead(res: Response): Promise<void> {
  const ahead = res.locals?.[ACCESS_AHEAD] as AccessAhead | undefined;
  if (!ahead) return;
  ahead.written ??= (async () => {
    let entry: AccessEntryInput | null = null;
    try {
      entry = describe(ahead.req, ahead.res, undefined, ahead.status);
    } catch (e) {
      log.error(`could not describe ${ahead.req.method} ${ahead.req.originalUrl}: ${(e as Error).stack ?? String(e)}`);
    }
    if (entry) {
      try {
        await ahead.audit.record(entry);
      } catch (e) {
        ahead.failure = e;
        throw e;
      }
    }
    ahead.entry = entry;
    return entry;
  })();
  await ahead.written;
}

/**
 * The client's address: the socket's, or with LEDGER_TRUST_PROXY (Express' `trust proxy`) the one the
 * trusted proxies forwarded (req.ip). An X-Forwarded-For from anyone else is not believed.
 */
export function clientAddress(req: Request): string | null {
  const a = req.ip ?? req.socket?.remoteAddress ?? null;
  return a?.startsWith('::ffff:') ? a.slice(7) : a;
}

/**
 * Holds back every audited answer until its entry is written (AccessAudit's group commit): whatever
 * path produced the answer (a route, the guard's 401/403 through the problem-details filter, a streamed
 * export or file), the client never holds a byte of an answer the trail does not record. The entry is
 * described at the answer's first write (or its end, if it has no body before it): by then its status
 * is known and nothing has gone out, so an entry that cannot be written replaces the whole answer by a
 * 503 (507 for a full disk). Writes made meanwhile wait in order; a pipe is told to pause (write
 * answers false) and resumes on 'drain'.
 */
export function accessAuditMiddleware(audit: AccessAudit) {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.locals[ACCESS_AUDIT_KEY] = audit;
    const write = res.write as (...a: unknown[]) => boolean;
    const end = res.end as (...a: unknown[]) => Response;
    let state: 'open' | 'holding' | 'through' | 'refused' = 'open';
    const held: Array<{ end: boolean; args: unknown[] }> = [];
    const refuse = (e: unknown) => {
      log.error(`${req.method} ${req.originalUrl}: the access audit entry could not be written, the answer is withheld: ${(e as Error).message}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      for (const h of res.getHeaderNames()) if (!/^x-request-id$/i.test(h)) res.removeHeader(h);
      // A full disk is named as such (507, as the store's own refusal is): it lasts until space is freed.
      const full = isStorageFull(e);
      res.statusCode = full ? 507 : 503;
      res.setHeader('Content-Type', 'application/problem+json');
      res.setHeader('Retry-After', full ? '30' : '5');
      end.call(
        res,
        JSON.stringify(
          full
            ? problem(
                507,
                'STORAGE_FULL',
                'the server has no disk space left to record this access in the audit trail, so it is not answered; send it again once space is freed',
              )
            : problem(503, 'AUDIT_UNAVAILABLE', 'this access could not be recorded in the audit trail, so it is not answered; try again shortly'),
        ),
      );
    };
    /** At the first write or the end: records the entry, if the answer is audited, before anything goes out. */
    const open = (chunk: unknown): void => {
      const ahead = res.locals[ACCESS_AHEAD] as AccessAhead | undefined;
      if (ahead?.failure !== undefined) {
        // The route stopped before acting: its entry could not be written.
        state = 'refused';
        refuse(ahead.failure);
        return;
      }
      let entry: AccessEntryInput | null = null;
      try {
        entry = describe(req, res, chunk);
      } catch (e) {
        log.error(`could not describe ${req.method} ${req.originalUrl}: ${(e as Error).stack ?? String(e)}`);
      }
      // Written before the route acted, and the answer is the one it foresaw: once is enough.
      if (entry && ahead?.entry && sameAnswer(entry, ahead.entry)) entry = null;
      if (!entry) {
        state = 'through';
        return;
      }
      state = 'holding';
      audit.record(entry).then(
        () => {
          state = 'through';
          for (const call of held.splice(0)) {
            if (call.end) end.apply(res, call.args);
            else write.apply(res, call.args);
          }
          if (!res.writableEnded) res.emit('drain');
        },
        (e: unknown) => {
          state = 'refused';
          held.length = 0;
          refuse(e);
        },
      );
    };
    res.write = function auditedWrite(this: Response, ...args: unknown[]): boolean {
      if (state === 'open') open(args[0]);
      if (state === 'through') return write.apply(res, args);
      // The answer was replaced by the refusal: the rest of it goes nowhere.
      if (state === 'refused') return false;
      held.push({ end: false, args });
      return false;
    } as Response['write'];
    res.end = function auditedEnd(this: Response, ...args: unknown[]): Response {
      if (state === 'open') open(args[0]);
      if (state === 'through') return end.apply(res, args);
      if (state === 'holding') held.push({ end: true, args });
      return res;
    } as Response['end'];
    next();
  };
}

function sameAnswer(a: AccessEntryInput, b: AccessEntryInput): boolean {
  return a.action === b.action && a.status === b.status && a.outcome === b.outcome && a.actor === b.actor && a.target === b.target;
}

function describe(req: Request, res: Response, chunk: unknown, status: number = res.statusCode): AccessEntryInput | null {
  const url = new URL(req.originalUrl, 'http://ledger.local');
  // The read-your-writes wait says nothing of what was looked at.
  url.searchParams.delete('minPosition');
  // Decoded, as a person reads it (asOf=2026-03-02T09:00:00+08:00, not %2B08%3A00).
  const query = [...url.searchParams].map(([k, v]) => `${k}=${v}`).join('&');
  const route = (req as { route?: { path?: unknown } }).route?.path;
  const note = res.locals[ACCESS_AUDIT_NOTE] as AccessAuditNote | undefined;
  // Every use of an API key, and of a `ledger token` whose sub names no account, is recorded, whatever
  // it did (issue 16, API.md: machine clients are audited as such).
  const action =
    note?.action ??
    classifyAccess(req.method, typeof route === 'string' ? route : undefined, url.searchParams, status) ??
    (note?.detail?.apiKey ? 'api-key-use' : note?.detail?.machineToken ? 'machine-token-use' : null);
  if (!action) return null;
  const actor = (req as unknown as Record<string, unknown>)[ACTOR_KEY] as Actor | undefined;
  const detail: Record<string, unknown> = {};
  if (action === 'refused' || status >= 400) {
    const code = problemCode(res, chunk);
    if (code) detail.code = code;
    const attempted = classifyAccess(req.method, typeof route === 'string' ? route : undefined, url.searchParams, 200);
    if (action === 'refused' && attempted && attempted !== 'refused') detail.attempted = attempted;
  }
  if (actor?.unitId) detail.unitId = actor.unitId;
  Object.assign(detail, note?.detail ?? {});
  return {
    actor: note?.actor ?? actor?.userId ?? null,
    role: note?.role ?? actor?.role ?? null,
    name: note?.name ?? actor?.name ?? null,
    address: clientAddress(req),
    action,
    target: note?.target ?? `${req.method} ${url.pathname}${query ? `?${query}` : ''}`,
    // A refusal answered by a redirect (统一身份认证's callback) is still a refusal.
    outcome: note?.outcome ?? outcomeOf(status),
    status,
    detail: Object.keys(detail).length ? detail : null,
  };
}

/** The `code` of a problem-details answer (small bodies only: errors, never an export). */
function problemCode(res: Response, chunk: unknown): string | null {
  if (!/problem\+json|application\/json/.test(String(res.getHeader('Content-Type') ?? ''))) return null;
  const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) && chunk.length < 65_536 ? chunk.toString('utf8') : null;
  if (!text) return null;
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}
