import type { AccountabilityEntry, CommandResult, SheetView as Sheet, UnitFiguresRow } from '@ledger/contracts/http/views';
import { ApiError, problemMessage, type Problem } from './problems';
export { ApiError, problemMessage } from './problems';
import { refreshSession, session } from './session';

/** The web app talks to the public HTTP contract only (API.md); every figure it shows comes from here. */
export const API_BASE = '/api/v1';

export type { CadreView, CommandResult, Figures, ItemPage, ItemView, UnitView } from '@ledger/contracts/http/views';
/** A sheet as the filters know it: from `/sheets` when the server has it, else only its id (filters.ts). */
export type SheetView = Pick<Sheet, 'id'> & Partial<Pick<Sheet, 'number' | 'title'>>;
/** A row of `/units/:id/children/outstanding`. */
export type ChildFigures = UnitFiguresRow;
export interface HistoryEntry {
  type: string;
  data: Record<string, unknown>;
  actor: { userId?: string; role?: string; unitId?: string | null; name?: string | null } | null;
  recordedAt: string;
  revision: number;
  position: string;
}
/** A row of the accountability register (`/accountability`). */
export type RegisterRow = AccountabilityEntry;

/**
 * The global position of the last write this browser made: every later query waits for the read
 * models to include it (API.md `minPosition`), so a figure never lags behind the user's own act.
 */
let lastPosition: string | null = null;
export function rememberPosition(position: string | undefined | null): void {
  if (!position) return;
  if (lastPosition === null || BigInt(position) > BigInt(lastPosition)) lastPosition = position;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

function url(path: string, query: Query = {}, withPosition = true): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  if (withPosition && lastPosition && !params.has('asOf')) params.set('minPosition', lastPosition);
  const qs = params.toString();
  return `${API_BASE}${path}${qs ? `?${qs}` : ''}`;
}

async function send(method: string, target: string, body?: unknown, headers: Record<string, string> = {}, retried = false): Promise<Response> {
  const h: Record<string, string> = { Accept: 'application/json', ...headers };
  if (session.token) h.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(target, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, '无法连接服务器，请检查网络后重试', null, []);
  }
  if (!res.ok) {
    let problem: Problem | null;
    try {
      problem = (await res.json()) as Problem;
    } catch {
      problem = null;
    }
    // A password session's access token lives minutes: one refresh by the cookie, then the same request again.
    if (res.status === 401 && session.kind === 'session' && !retried && (await refreshSession())) return send(method, target, body, headers, true);
    const err = problemMessage(res.status, problem);
    if (res.status === 401) session.onUnauthorized?.();
    if (res.status === 403 && problem?.code === 'PASSWORD_CHANGE_REQUIRED') session.mustChangePassword = true;
    throw err;
  }
  return res;
}

export async function get<T>(path: string, query: Query = {}): Promise<T> {
  const res = await send('GET', url(path, query));
  return (await res.json()) as T;
}

/** GET that also hands back the ETag (an item's revision). */
export async function getWithEtag<T>(path: string, query: Query = {}): Promise<{ body: T; etag: string | null }> {
  const res = await send('GET', url(path, query));
  return { body: (await res.json()) as T, etag: res.headers.get('ETag') };
}

export async function post(path: string, body: unknown = {}, opts: { ifMatch?: number | string | null } = {}): Promise<CommandResult> {
  const headers: Record<string, string> = { 'Idempotency-Key': crypto.randomUUID() };
  if (opts.ifMatch !== undefined && opts.ifMatch !== null) headers['If-Match'] = `"${opts.ifMatch}"`;
  const res = await send('POST', `${API_BASE}${path}`, body, headers);
  const result = (await res.json()) as CommandResult;
  rememberPosition(result.position);
  return result;
}

/**
 * The API's own export (`format=csv`) when the route offers it; `null` when it answers with something
 * else, so that the caller exports exactly the rows it shows instead.
 */
export async function exportCsv(path: string, query: Query): Promise<Blob | null> {
  try {
    const res = await send('GET', url(path, { ...query, format: 'csv' }), undefined, { Accept: 'text/csv' });
    const type = res.headers.get('Content-Type') ?? '';
    if (!type.includes('csv')) return null;
    return await res.blob();
  } catch (e) {
    if (e instanceof ApiError && (e.status === 400 || e.status === 404 || e.status === 406)) return null;
    throw e;
  }
}

/** A file the API renders (the 督查通报 .docx or .xlsx), as a blob. */
export async function downloadFile(path: string, query: Query, accept: string): Promise<Blob> {
  const res = await send('GET', url(path, query), undefined, { Accept: accept });
  return await res.blob();
}

/** Public: the demo county's sign-in list; null when the server is not in demo mode. */
export async function demoUsers(): Promise<DemoUser[] | null> {
  try {
    const res = await fetch(`${API_BASE}/demo/users`, { headers: { Accept: 'application/json' } });
    if (!res.ok) return null;
    const body = (await res.json()) as unknown;
    return Array.isArray(body) ? (body as DemoUser[]) : null;
  } catch {
    return null;
  }
}
/** login and password: the demo account (演示账号) for trying the password sign-in. */
export interface DemoUser {
  role: string;
  name: string;
  unitId: string | null;
  token: string;
  label?: string;
  login?: string;
  password?: string;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.fieldErrors.length ? `${e.message}：${e.fieldErrors.join('；')}` : e.message;
  return '操作失败，请稍后重试';
}

/** One point of the closure trend: the figures of `/units/:id/outstanding?asOf=…` at that instant. */
export interface TrendPoint {
  label: string;
  closureRate: number;
  open: number;
  overdue: number;
}
