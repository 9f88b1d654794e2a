import { RANKS, ROLES, type ActorRank, type UserRole } from '@ledger/contracts/events';
import { resolveJwtSecret, signToken, type LedgerConfig } from '@ledger/platform';

export interface TokenOptions {
  role?: string;
  unit?: string;
  sub?: string;
  name?: string;
  /** `leader` (部领导): approves second and later extensions. */
  rank?: string;
  expires?: string;
}

/** Mints a token with the server's secret (LEDGER_JWT_SECRET, or the one kept in the data dir). */
export function tokenCommand(config: LedgerConfig, o: TokenOptions): string {
  const problems: string[] = [];
  if (!o.role || !(ROLES as readonly string[]).includes(o.role)) problems.push(`--role must be one of ${ROLES.join(', ')}`);
  if (!o.sub) problems.push('--sub <userId> is required');
  if (o.role === 'unit' && !o.unit) problems.push('--unit <unitId> is required for --role unit');
  if (o.rank !== undefined && !(RANKS as readonly string[]).includes(o.rank)) problems.push(`--rank must be ${RANKS.join(' or ')}`);
  if (problems.length) {
    const e = new Error(problems.join('; '));
    (e as Error & { code: string }).code = 'ERR_PARSE_ARGS_INVALID';
    throw e;
  }
  return signToken(
    {
      sub: o.sub as string,
      role: o.role as UserRole,
      unitId: o.unit ?? null,
      ...(o.name ? { name: o.name } : {}),
      ...(o.rank ? { rank: o.rank as ActorRank } : {}),
    },
    resolveJwtSecret(config),
    o.expires ? { expiresIn: o.expires } : {},
  );
}
