import { reactive } from 'vue';
import { ROLE_LABELS, type Role } from './labels';

export interface Claims { sub: string; role: Role; unitId: string | null; name: string | null; exp?: number }

const STORAGE_KEY = 'ledger.token';

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
  onUnauthorized: null as null | (() => void),
});

export function signIn(token: string): Claims | null {
  const claims = decodeClaims(token);
  if (!claims) return null;
  session.token = token.trim();
  session.claims = claims;
  localStorage.setItem(STORAGE_KEY, session.token);
  return claims;
}

export function signOut(): void {
  session.token = null;
  session.claims = null;
  localStorage.removeItem(STORAGE_KEY);
}

export function restore(): void {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved && !signIn(saved)) signOut();
}

/** What each role may do (API.md "who"); the UI hides the rest, the API enforces it. */
export const can = {
  dashboard: (r: Role) => r === 'org_dept' || r === 'discipline' || r === 'inspector',
  workbench: (r: Role) => r === 'unit',
  browseItems: (r: Role) => r !== 'admin',
  fulfil: (r: Role) => r === 'unit',
  review: (r: Role) => r === 'inspector' || r === 'org_dept',
  strikeOff: (r: Role) => r === 'org_dept',
  reopen: (r: Role) => r === 'org_dept' || r === 'inspector',
  urge: (r: Role) => r === 'inspector' || r === 'discipline' || r === 'org_dept',
  decideExtension: (r: Role) => r === 'org_dept',
  refer: (r: Role) => r === 'inspector' || r === 'org_dept' || r === 'discipline',
  decideAccountability: (r: Role) => r === 'discipline' || r === 'org_dept',
  register: (r: Role) => r === 'discipline' || r === 'org_dept',
  withdraw: (r: Role) => r === 'org_dept',
};

export function duties(r: Role): string[] {
  switch (r) {
    case 'org_dept':
      return ['查看全县统计', '审核办结反馈（退回或办结）', '销号', '督促催办', '批复延期', '记录问责决定'];
    case 'discipline':
      return ['查看全县统计', '督促催办', '记录问责决定', '查阅任何事项的全过程'];
    case 'inspector':
      return ['审核办结反馈（退回或办结）', '督促催办', '查阅任何事项的全过程'];
    case 'unit':
      return ['签收交办事项', '报告进展、反馈办结（附佐证材料）', '申请延期', '查看本单位及下级的事项'];
    case 'admin':
      return ['维护组织架构和干部信息'];
  }
}
