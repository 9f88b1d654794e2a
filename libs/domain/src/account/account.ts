import { ACCOUNT_ROLES, ADMIN_ROLES, RANKS, STREAM_PREFIX, type AccountRole, type ActorRank, type EventOf } from '@ledger/contracts/events';
import type { CommandContext, Decider, Decision } from '../shared/decider';
import { present, roleMayAct, unreachable, type UnitFacts, type Verdict } from '../shared/policies';
import { deny, refuse } from '../shared/rejections';

export type AccountEvent = EventOf<
  | 'AccountOpened'
  | 'AccountRoleGranted'
  | 'AccountRoleRevoked'
  | 'AccountUnitChanged'
  | 'AccountLocked'
  | 'AccountUnlocked'
  | 'AccountPasswordSet'
  | 'AccountClosed'
>;

export const accountStream = (accountId: string): string => STREAM_PREFIX.account + accountId;

// ── commands ────────────────────────────────────────────────────────────────────────────────────
/** Opened by the system administrator (or, once, by the system: the bootstrap administrator). */
export interface OpenAccount {
  type: 'OpenAccount';
  context: CommandContext;
  data: {
    accountId: string;
    login: string;
    name: string;
    phone?: string | null;
    unitId?: string | null;
    roles: readonly string[];
    rank?: string | null;
    reason?: string | null;
  };
  /** The unit's facts when `unitId` is given. */
  facts: { unit?: UnitFacts };
}
export interface GrantAccountRole {
  type: 'GrantAccountRole';
  context: CommandContext;
  data: { accountId: string; role: string; unitId?: string | null; reason?: string | null };
  facts: { unit?: UnitFacts };
}
export interface RevokeAccountRole {
  type: 'RevokeAccountRole';
  context: CommandContext;
  data: { accountId: string; role: string; reason?: string | null };
}
export interface ChangeAccountUnit {
  type: 'ChangeAccountUnit';
  context: CommandContext;
  data: { accountId: string; unitId: string; reason?: string | null };
  facts: { unit?: UnitFacts };
}
/** By the security administrator, or by the system after failed sign-ins (then with `until`). */
export interface LockAccount {
  type: 'LockAccount';
  context: CommandContext;
  data: { accountId: string; reason?: string | null; until?: string | null };
}
export interface UnlockAccount {
  type: 'UnlockAccount';
  context: CommandContext;
  data: { accountId: string; reason?: string | null };
}
/** A new one-time password, set by the security administrator; the holder must change it. */
export interface ResetAccountPassword {
  type: 'ResetAccountPassword';
  context: CommandContext;
  data: { accountId: string; reason?: string | null };
}
/** The holder changes the account's own password (the sign-in service's command). */
export interface ChangeOwnPassword {
  type: 'ChangeOwnPassword';
  context: CommandContext;
  data: { accountId: string };
}
export interface CloseAccount {
  type: 'CloseAccount';
  context: CommandContext;
  data: { accountId: string; reason?: string | null };
}
export type AccountCommand =
  | OpenAccount
  | GrantAccountRole
  | RevokeAccountRole
  | ChangeAccountUnit
  | LockAccount
  | UnlockAccount
  | ResetAccountPassword
  | ChangeOwnPassword
  | CloseAccount;
export const ACCOUNT_COMMAND_TYPES = [
  'OpenAccount',
  'GrantAccountRole',
  'RevokeAccountRole',
  'ChangeAccountUnit',
  'LockAccount',
  'UnlockAccount',
  'ResetAccountPassword',
  'ChangeOwnPassword',
  'CloseAccount',
] as const;

// ── state ───────────────────────────────────────────────────────────────────────────────────────
export interface AccountRecord {
  accountId: string;
  login: string;
  name: string;
  phone: string | null;
  unitId: string | null;
  roles: AccountRole[];
  rank: ActorRank | null;
}
export type AccountState =
  | { status: 'none' }
  | (AccountRecord & { status: 'active' })
  | (AccountRecord & { status: 'locked'; lockedUntil: string | null })
  | (AccountRecord & { status: 'closed' });

export const initialAccountState = (): AccountState => ({ status: 'none' });

// ── policies ────────────────────────────────────────────────────────────────────────────────────
/** Opens accounts with the roles requested for them (三员: the system administrator). */
export const ACCOUNT_OPENERS = ['sysadmin'] as const;
/** Every later grant and revocation, unit change, lock, unlock and reset (三员: the security administrator). */
export const ACCOUNT_SECURITY = ['secadmin'] as const;

/** Letters, digits and . _ - @, 2–64 characters; compared without case (the claim stream is lower case). */
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/;
const PHONE = /^\+?[0-9][0-9 -]{4,19}$/;

export const normalLogin = (login: string): string => login.trim().toLowerCase();

const isAccountRole = (role: string): role is AccountRole => (ACCOUNT_ROLES as readonly string[]).includes(role);
const isAdminRole = (role: string): boolean => (ADMIN_ROLES as readonly string[]).includes(role);

/**
 * 三员分立: an administrator role is held alone — never two of them, never beside a role that acts on
 * items (a token acts with one role, but an account's holder could otherwise pick either).
 */
function adminRolesAlone(roles: readonly AccountRole[]): Verdict {
  const admin = roles.filter(isAdminRole);
  return admin.length === 0 || roles.length === 1 ? undefined : deny('ADMIN_ROLES_EXCLUSIVE', { roles: [...roles] });
}

function unitForUnitRole(roles: readonly AccountRole[], unitId: string | null): Verdict {
  return roles.includes('unit') && !unitId ? deny('UNIT_ROLE_NEEDS_UNIT') : undefined;
}

function rankFits(rank: string | null, roles: readonly AccountRole[]): Verdict {
  if (rank === null) return undefined;
  if (!(RANKS as readonly string[]).includes(rank)) return deny('RANK_INVALID', { rank });
  return roles.includes('org_dept') ? undefined : deny('RANK_NEEDS_ORG_DEPT', { rank });
}

function liveUnit(unitId: string | null, unit: UnitFacts | undefined): Verdict {
  if (!unitId) return undefined;
  if (!unit?.exists) return deny('UNIT_NOT_FOUND', { unitId });
  if (unit.dissolved) return deny('UNIT_DISSOLVED', { unitId });
  return undefined;
}

/** 三员 check and balance: the security administrator does not administer the account it acts with. */
function notOwnAccount(context: CommandContext, accountId: string): Verdict {
  return context.actor.userId === accountId ? refuse('ACCOUNT_SELF_ADMINISTRATION', { accountId }) : undefined;
}

function notClosed(state: AccountState): Verdict {
  if (state.status === 'none') return deny('ACCOUNT_NOT_FOUND');
  return state.status === 'closed' ? deny('ACCOUNT_CLOSED', { accountId: state.accountId }) : undefined;
}

const reasonOf = (reason: string | null | undefined): string | null => (present(reason) ? reason!.trim() : null);

// ── decide / evolve ─────────────────────────────────────────────────────────────────────────────
export function decideAccount(command: AccountCommand, state: AccountState): Decision<AccountEvent> {
  switch (command.type) {
    case 'OpenAccount': {
      const { accountId, login, name } = command.data;
      const bootstrap = command.context.actor.role === 'system';
      const requested = [...new Set(command.data.roles)];
      const unitId = present(command.data.unitId) ? command.data.unitId!.trim() : null;
      const phone = present(command.data.phone) ? command.data.phone!.trim() : null;
      const rank = present(command.data.rank) ? command.data.rank!.trim() : null;
      const invalidRole = requested.find((r) => !isAccountRole(r));
      const roles = requested.filter(isAccountRole);
      return (
        // The system opens one account of its own accord: the bootstrap system administrator.
        (bootstrap
          ? roles.length === 1 && roles[0] === 'sysadmin'
            ? undefined
            : refuse('ROLE_NOT_ALLOWED', { role: 'system' })
          : roleMayAct(command.context, ACCOUNT_OPENERS)) ??
        (state.status !== 'none' ? deny('ACCOUNT_ALREADY_EXISTS', { accountId }) : undefined) ??
        (typeof login === 'string' && LOGIN.test(login.trim()) ? undefined : deny('LOGIN_INVALID', { login })) ??
        (present(name) ? undefined : deny('NAME_REQUIRED')) ??
        (phone === null || PHONE.test(phone) ? undefined : deny('PHONE_INVALID', { phone })) ??
        (invalidRole !== undefined ? deny('ROLE_INVALID', { role: invalidRole }) : undefined) ??
        (roles.length > 0 ? undefined : deny('ACCOUNT_ROLES_REQUIRED')) ??
        adminRolesAlone(roles) ??
        unitForUnitRole(roles, unitId) ??
        rankFits(rank, roles) ??
        liveUnit(unitId, command.facts?.unit) ?? [
          {
            type: 'AccountOpened',
            data: {
              accountId,
              login: login.trim(),
              name: name.trim(),
              phone,
              unitId,
              roles,
              rank: rank as ActorRank | null,
              reason: reasonOf(command.data.reason),
            },
          },
          { type: 'AccountPasswordSet', data: { accountId, kind: 'initial', mustChange: true, reason: null } },
        ]
      );
    }
    case 'GrantAccountRole': {
      const { role } = command.data;
      const denied = roleMayAct(command.context, ACCOUNT_SECURITY) ?? notClosed(state) ?? notOwnAccount(command.context, command.data.accountId);
      if (denied || state.status === 'none' || state.status === 'closed') return denied!;
      if (!isAccountRole(role)) return deny('ROLE_INVALID', { role });
      const unitId = present(command.data.unitId) ? command.data.unitId!.trim() : null;
      const moves = unitId !== null && unitId !== state.unitId;
      const roles = state.roles.includes(role) ? state.roles : [...state.roles, role];
      const reason = reasonOf(command.data.reason);
      return (
        (state.roles.includes(role) && !moves ? deny('ROLE_ALREADY_HELD', { role }) : undefined) ??
        adminRolesAlone(roles) ??
        unitForUnitRole(roles, unitId ?? state.unitId) ??
        (moves ? liveUnit(unitId, command.facts?.unit) : undefined) ?? [
          ...(moves
            ? [{ type: 'AccountUnitChanged' as const, data: { accountId: state.accountId, unitId: unitId!, previousUnitId: state.unitId, reason } }]
            : []),
          ...(state.roles.includes(role)
            ? []
            : [
                {
                  type: 'AccountRoleGranted' as const,
                  data: { accountId: state.accountId, role, unitId: role === 'unit' ? (unitId ?? state.unitId) : null, reason },
                },
              ]),
        ]
      );
    }
    case 'RevokeAccountRole': {
      const denied = roleMayAct(command.context, ACCOUNT_SECURITY) ?? notClosed(state) ?? notOwnAccount(command.context, command.data.accountId);
      if (denied || state.status === 'none' || state.status === 'closed') return denied!;
      const { role } = command.data;
      if (!isAccountRole(role)) return deny('ROLE_INVALID', { role });
      if (!state.roles.includes(role)) return deny('ROLE_NOT_HELD', { role });
      return [{ type: 'AccountRoleRevoked', data: { accountId: state.accountId, role, reason: reasonOf(command.data.reason) } }];
    }
    case 'ChangeAccountUnit': {
      const denied = roleMayAct(command.context, ACCOUNT_SECURITY) ?? notClosed(state) ?? notOwnAccount(command.context, command.data.accountId);
      if (denied || state.status === 'none' || state.status === 'closed') return denied!;
      const unitId = present(command.data.unitId) ? command.data.unitId.trim() : '';
      return (
        (unitId ? undefined : deny('UNIT_NOT_FOUND', { unitId })) ??
        (unitId === state.unitId ? deny('ACCOUNT_UNIT_UNCHANGED', { unitId }) : undefined) ??
        liveUnit(unitId, command.facts?.unit) ?? [
          { type: 'AccountUnitChanged', data: { accountId: state.accountId, unitId, previousUnitId: state.unitId, reason: reasonOf(command.data.reason) } },
        ]
      );
    }
    case 'LockAccount': {
      const denied = roleMayAct(command.context, [...ACCOUNT_SECURITY, 'system']) ?? notClosed(state) ?? notOwnAccount(command.context, command.data.accountId);
      if (denied || state.status === 'none' || state.status === 'closed') return denied!;
      if (state.status === 'locked') return deny('ACCOUNT_ALREADY_LOCKED', { accountId: state.accountId });
      const until = present(command.data.until) ? command.data.until!.trim() : null;
      return [{ type: 'AccountLocked', data: { accountId: state.accountId, reason: reasonOf(command.data.reason), until } }];
    }
    case 'UnlockAccount': {
      const denied = roleMayAct(command.context, ACCOUNT_SECURITY) ?? notClosed(state) ?? notOwnAccount(command.context, command.data.accountId);
      if (denied || state.status === 'none' || state.status === 'closed') return denied!;
      if (state.status !== 'locked') return deny('ACCOUNT_NOT_LOCKED', { accountId: state.accountId });
      return [{ type: 'AccountUnlocked', data: { accountId: state.accountId, reason: reasonOf(command.data.reason) } }];
    }
    case 'ResetAccountPassword': {
      const denied = roleMayAct(command.context, ACCOUNT_SECURITY) ?? notClosed(state) ?? notOwnAccount(command.context, command.data.accountId);
      if (denied || state.status === 'none' || state.status === 'closed') return denied!;
      return [{ type: 'AccountPasswordSet', data: { accountId: state.accountId, kind: 'reset', mustChange: true, reason: reasonOf(command.data.reason) } }];
    }
    case 'ChangeOwnPassword': {
      if (command.context.actor.userId !== command.data.accountId) return refuse('ROLE_NOT_ALLOWED', { accountId: command.data.accountId });
      const denied = notClosed(state);
      if (denied || state.status === 'none' || state.status === 'closed') return denied!;
      if (state.status === 'locked') return deny('ACCOUNT_LOCKED', { accountId: state.accountId });
      return [{ type: 'AccountPasswordSet', data: { accountId: state.accountId, kind: 'changed', mustChange: false, reason: null } }];
    }
    case 'CloseAccount': {
      const denied = roleMayAct(command.context, ACCOUNT_SECURITY) ?? notClosed(state) ?? notOwnAccount(command.context, command.data.accountId);
      if (denied || state.status === 'none' || state.status === 'closed') return denied!;
      return [{ type: 'AccountClosed', data: { accountId: state.accountId, reason: reasonOf(command.data.reason) } }];
    }
    default:
      return unreachable(command);
  }
}

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountOpened': {
      const { accountId, login, name, phone, unitId, roles, rank } = event.data;
      return { status: 'active', accountId, login, name, phone, unitId, roles: [...roles], rank };
    }
    case 'AccountRoleGranted':
      if (state.status === 'none' || state.roles.includes(event.data.role)) return state;
      return { ...state, roles: [...state.roles, event.data.role], unitId: event.data.unitId ?? state.unitId };
    case 'AccountRoleRevoked':
      return state.status === 'none' ? state : { ...state, roles: state.roles.filter((r) => r !== event.data.role) };
    case 'AccountUnitChanged':
      return state.status === 'none' ? state : { ...state, unitId: event.data.unitId };
    case 'AccountLocked':
      return state.status === 'active' ? { ...state, status: 'locked', lockedUntil: event.data.until } : state;
    case 'AccountUnlocked': {
      if (state.status !== 'locked') return state;
      const { lockedUntil: _, ...rest } = state;
      return { ...rest, status: 'active' };
    }
    case 'AccountPasswordSet':
      return state;
    case 'AccountClosed':
      if (state.status === 'none') return state;
      if (state.status === 'locked') {
        const { lockedUntil: _, ...rest } = state;
        return { ...rest, status: 'closed' };
      }
      return { ...state, status: 'closed' };
    default:
      // The registry folds any stream with any decider: an event of another aggregate changes nothing.
      return state;
  }
}

export const accountDecider: Decider<AccountCommand, AccountState, AccountEvent> = {
  initialState: initialAccountState,
  decide: decideAccount,
  evolve: evolveAccount,
};
