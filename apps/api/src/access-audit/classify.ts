import type { AccessAction, AccessOutcome } from '@ledger/integrity';

/**
 * Which answered requests the access audit records, by route template (Express' matched route, so
 * `/cadres/:id/outstanding` whatever the id) and query. One entry per request, its most telling
 * action first: sign-in and sign-out whatever their status, then every refusal (401/403), then the
 * reads and exports. Anything else (plain lists, commands on items) is in the ledger or not audited.
 */
export function classifyAccess(method: string, routePath: string | undefined, query: URLSearchParams, status: number): AccessAction | null {
  const route = (routePath ?? '').replace(/^\/api\/v1(?=\/)/, '');
  if (method === 'POST' && route === '/auth/sign-in') return status < 300 ? 'sign-in' : 'sign-in-failed';
  if (method === 'POST' && route === '/auth/sign-out') return 'session-end';
  if (method === 'POST' && route === '/auth/password') return 'password-change';
  if (status === 401 || status === 403) return 'refused';
  if (method === 'POST' && route.startsWith('/accounts')) return 'account-change';
  if (method === 'POST' && route === '/notifications/:id/replay') return 'dead-letter-replay';
  if (method !== 'GET' || !routePath) return null;
  if (route.startsWith('/accounts')) return 'account-read';
  // Files and documents that leave the ledger whole, whatever their format.
  if (route === '/items/:id/evidence/:sha256') return 'evidence-download';
  if (route === '/bulletins/:period') return 'bulletin';
  if (route === '/notifications/dead-letters') return 'dead-letter-read';
  const format = query.get('format');
  if (format === 'xlsx' || format === 'csv') return 'export';
  if (route.startsWith('/audit/access')) return 'audit-read';
  if (route === '/audit/verify') return 'audit-verify';
  if (route === '/items/:id/proof') return 'proof';
  if (query.has('asOf')) return 'as-of';
  if (route === '/accountability') return 'register-read';
  if (/^\/cadres\/:id(\/|$)/.test(route)) return 'cadre-read';
  // A cadre's items are that cadre's record as much as its figures are.
  if (route === '/items' && query.has('cadreId')) return 'cadre-read';
  return null;
}

/** 423 is a locked account's sign-in: a refusal, like 401 and 403. */
export function outcomeOf(status: number): AccessOutcome {
  if (status === 401 || status === 403 || status === 423) return 'refused';
  return status < 400 ? 'ok' : 'failed';
}
