import type { DataSource } from 'typeorm';
import type { AccountRole, AccountStatus, ActorRank } from '@ledger/contracts/events';
import { isPostgres, placeholders } from '../db/sql';
import { AccountRow } from './account.entity';

/** GET /accounts: an account as it is now, no secret. */
export type AccountView = AccountRow;

/** GET /accounts?asOf=: an account as it stood at a past position. */
export interface AccountAsOfView {
  id: string;
  login: string;
  name: string;
  unitId: string | null;
  roles: AccountRole[];
  rank: ActorRank | null;
  status: AccountStatus;
  /** The instant this version began. */
  since: string;
}

export interface AccountFilter {
  role?: AccountRole;
  unitId?: string;
}

/** Byte order of the login, then the id: the same on SQLite and PostgreSQL (whose collation would differ). */
const byLogin = (a: { login: string; id: string }, b: { login: string; id: string }) =>
  a.login < b.login ? -1 : a.login > b.login ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** A closed account holds no role any more: it is listed, but not among the holders of a role. */
const keep = (filter: AccountFilter) => (a: { roles: AccountRole[]; unitId: string | null; status: AccountStatus }) =>
  (!filter.role || (a.roles.includes(filter.role) && a.status !== 'closed')) && (!filter.unitId || a.unitId === filter.unitId);

/** Every account now, by login. A county has hundreds of accounts: the role filter runs here. */
export async function accountsNow(ds: DataSource, filter: AccountFilter = {}): Promise<AccountView[]> {
  const rows = await ds.getRepository(AccountRow).find();
  return rows
    .map((r) => ({ ...r, mustChangePassword: Boolean(r.mustChangePassword) }))
    .filter(keep(filter))
    .sort(byLogin);
}

/** One account now, by id or by login (without case): what a sign-in service looks up. */
export async function accountNow(ds: DataSource, by: { id: string } | { login: string }): Promise<AccountView | null> {
  const qb = ds.getRepository(AccountRow).createQueryBuilder('a');
  const row =
    'id' in by
      ? await qb.where('a.id = :id', { id: by.id }).getOne()
      : await qb.where('LOWER(a.login) = :login', { login: by.login.trim().toLowerCase() }).getOne();
  return row ? { ...row, mustChangePassword: Boolean(row.mustChangePassword) } : null;
}

/**
 * The accounts as they stood at `position` (the versions with fromPosition ≤ position < toPosition):
 * "who held the discipline role on 2026-03-12" is `accountsAt(P(that instant), { role: 'discipline' })`.
 */
export async function accountsAt(ds: DataSource, position: number, filter: AccountFilter = {}): Promise<AccountAsOfView[]> {
  const pg = isPostgres(ds);
  const rows: Array<Record<string, unknown>> = await ds.query(
    placeholders(
      `SELECT "accountId", "fromAt", "login", "name", "unitId", "roles", "rank", "status" FROM "rm_t_account"
       WHERE "fromPosition" <= ? AND "toPosition" > ?`,
      pg,
    ),
    [position, position],
  );
  return rows
    .map((r) => ({
      id: String(r.accountId),
      login: String(r.login),
      name: String(r.name),
      unitId: (r.unitId as string | null) ?? null,
      roles: JSON.parse(String(r.roles)) as AccountRole[],
      rank: (r.rank as ActorRank | null) ?? null,
      status: r.status as AccountStatus,
      since: String(r.fromAt),
    }))
    .filter(keep(filter))
    .sort(byLogin);
}
