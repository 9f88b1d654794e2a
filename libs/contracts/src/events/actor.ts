export const ROLES = ['org_dept', 'discipline', 'inspector', 'unit', 'admin', 'sysadmin', 'secadmin', 'auditadmin'] as const;
export type UserRole = (typeof ROLES)[number];
/**
 * 三员分立: the system, security and audit administrators. No account holds two of them, and none of
 * them acts on items. `admin` (version 1 tokens) acts as the system administrator.
 */
export const ADMIN_ROLES = ['sysadmin', 'secadmin', 'auditadmin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];
/** The roles an account may hold (`admin` is only a version 1 token's name for `sysadmin`). */
export const ACCOUNT_ROLES = ['org_dept', 'discipline', 'inspector', 'unit', 'sysadmin', 'secadmin', 'auditadmin'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];
/** The role a token's role acts as: `admin` is the system administrator. */
export function actingRole<R extends string>(role: R): R | 'sysadmin' {
  return role === 'admin' ? 'sysadmin' : role;
}
/** `system` acts for processes nobody clicks: the deadline worker, the importer's bookkeeping. */
export type ActorRole = UserRole | 'system';

/** 部领导: an org_dept user of this rank approves a second or later extension (DOMAIN.md). */
export const RANKS = ['leader'] as const;
export type ActorRank = (typeof RANKS)[number];

export interface Actor {
  userId: string;
  role: ActorRole;
  /** The unit whose subtree a `unit` user acts for; null for county-level roles. */
  unitId: string | null;
  name?: string;
  /** Only when the token (or account) carries it. */
  rank?: ActorRank;
}

export interface EventMetadata {
  actor: Actor;
  correlationId: string;
  causationId: string;
  /** ISO-8601 instant with offset. */
  recordedAt: string;
  [extra: string]: unknown;
}
