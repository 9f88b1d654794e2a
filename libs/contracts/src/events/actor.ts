export const ROLES = ['org_dept', 'discipline', 'inspector', 'unit', 'admin'] as const;
export type UserRole = (typeof ROLES)[number];
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
