import { reactive } from 'vue';
import { roleMayDo } from '@ledger/contracts/events';
import { ITEM_ACTIONS } from './item-actions';
import { ROLE_LABELS, type Role } from './labels';

export interface Claims {
  sub: string;
  role: Role;
  unitId: string | null;
  name: string | null;
  exp?: number;
}

/** A pasted or demo token (scripts, the demo county): kept for this tab only, as it cannot be refreshed. */
const STORAGE_KEY = 'ledger.token';
/** Not a secret: only that this browser holds a refresh cookie worth trying after a reload. */
const SIGNED_IN_KEY = 'ledger.signedIn';
/** The header the API asks of every request the refresh cookie authenticates (CSRF). */
const CSRF = { 'X-Ledger-CSRF': '1' };

/** Reads the JWT's claims for display only; the API verifies the signature on every request. */
export function decodeClaims(token: string): Claims | null {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const raw = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (typeof raw.sub !== 'string' || typeof raw.role !== 'string' || !(raw.role in ROLE_LABELS)) return null;
    return {
      sub: raw.sub,
      role: raw.role as Role,
      unitId: typeof raw.unitId === 'string' ? raw.unitId : null,
      name: typeof raw.name === 'string' ? raw.name : null,
      exp: typeof raw.exp === 'number' ? raw.exp : undefined,
    };
  } catch {
    return null;
  }
}

export const session = reactive({
  token: null as string | null,
  claims: null as Claims | null,
  /** `session`: signed in with a password (the access token in memory, the refresh in an httpOnly cookie); `token`: a pasted or demo token. */
  kind: null as 'session' | 'token' | null,
  /** An initial, reset or expired password: nothing but the change until it is done. */
  mustChangePassword: false,
  onUnauthorized: null as null | (() => void),
});

/** A pasted or demo token (a script's `ledger token`, the demo county's users). */
export function signIn(token: string): Claims | null {
  const claims = decodeClaims(token);
  if (!claims) return null;
  session.token = token.trim();
  session.claims = claims;
  session.kind = 'token';
  session.mustChangePassword = false;
  sessionStorage.setItem(STORAGE_KEY, session.token);
  return claims;
}

/** A password sign-in's (or refresh's) access token: in memory only. */
export function useAccessToken(accessToken: string, mustChangePassword: boolean): Claims | null {
  const claims = decodeClaims(accessToken);
  if (!claims) return null;
  session.token = accessToken;
  session.claims = claims;
  session.kind = 'session';
  session.mustChangePassword = mustChangePassword;
  localStorage.setItem(SIGNED_IN_KEY, '1');
  return claims;
}

function forget(): void {
  session.token = null;
  session.claims = null;
  session.kind = null;
  session.mustChangePassword = false;
  sessionStorage.removeItem(STORAGE_KEY);
  localStorage.removeItem(SIGNED_IN_KEY);
  localStorage.removeItem(STORAGE_KEY);
}

/** Signs out: a password session ends on the server too (its cookie and every token of it). */
export async function signOut(): Promise<void> {
  const { kind, token } = session;
  forget();
  if (kind !== 'session') return;
  try {
    await fetch('/api/v1/auth/sign-out', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...CSRF, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: '{}',
    });
  } catch {
    // Offline: the session ends by itself at the idle timeout.
  }
}

/** A new access token from the refresh cookie; false when the session is over. */
let refreshing: Promise<boolean> | null = null;
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const res = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...CSRF },
        body: '{}',
      });
      if (!res.ok) {
        if (session.kind === 'session') forget();
        localStorage.removeItem(SIGNED_IN_KEY);
        return false;
      }
      const body = (await res.json()) as { accessToken: string; mustChangePassword?: boolean };
      return useAccessToken(body.accessToken, body.mustChangePassword === true) !== null;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** At start: this tab's pasted token, else the session of the refresh cookie (the access token was in memory). */
export async function restore(): Promise<void> {
  // Tokens were kept in localStorage before sign-in existed: never again.
  localStorage.removeItem(STORAGE_KEY);
  const saved = sessionStorage.getItem(STORAGE_KEY);
  if (saved) {
    if (!signIn(saved)) forget();
    return;
  }
  if (localStorage.getItem(SIGNED_IN_KEY)) await refreshSession();
}

/**
 * What each role may open (API.md "who"); who may do which act on an item is libs/contracts' table
 * (roleMayDo), the one the API decides by. The UI hides the rest, the API enforces it.
 */
export const can = {
  dashboard: (r: Role) => r === 'org_dept' || r === 'discipline' || r === 'inspector',
  workbench: (r: Role) => r === 'unit',
  browseItems: (r: Role) => r !== 'admin' && r !== 'sysadmin' && r !== 'secadmin' && r !== 'auditadmin',
  /** 账号管理: the system administrator opens accounts, the security administrator reads them (三员). */
  accounts: (r: Role) => r === 'sysadmin' || r === 'secadmin' || r === 'admin',
  units: (r: Role) => r === 'admin' || r === 'sysadmin',
  /** 审核队列: the reported items, for whoever may conclude them. */
  review: (r: Role) => roleMayDo('ConcludeItem', r),
  strikeOff: (r: Role) => roleMayDo('StrikeOffItem', r),
  register: (r: Role) => r === 'discipline' || r === 'org_dept',
  /** 核验检查点: whoever may read the verifiable log (API.md). */
  checkpoint: (r: Role) => r === 'inspector' || r === 'discipline' || r === 'org_dept' || r === 'auditadmin',
};

/** What a role looks at, besides the acts on items. */
const VIEWS: Record<Role, string[]> = {
  org_dept: ['查看全县统计'],
  discipline: ['查看全县统计', '查阅任何事项的全过程'],
  inspector: ['查阅任何事项的全过程'],
  unit: ['查看本单位及下级的事项'],
  admin: ['维护组织架构和干部信息'],
  sysadmin: ['开设账号', '维护组织架构和干部信息'],
  secadmin: ['授予、撤销角色', '锁定、解锁账号', '重置密码'],
  auditadmin: ['查阅、导出访问审计记录'],
};

/** The duties shown under the user's name: what the role looks at, then the item page's acts it may do. */
export function duties(r: Role): string[] {
  return [...(VIEWS[r] ?? []), ...ITEM_ACTIONS.filter((a) => roleMayDo(a.act, r)).map((a) => a.label)];
}
