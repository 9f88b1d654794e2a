import type { ProjectedEvent } from '../projected-event';
import type { AccountRow } from './account.entity';

/** The account view after one event; shared by the current-state and the temporal (as-of) models. */
export function evolveAccountRow(row: AccountRow | null, e: ProjectedEvent): AccountRow | null {
  const touched = (r: AccountRow): AccountRow => ({ ...r, updatedAt: e.recordedAt, revision: e.revision });
  switch (e.type) {
    case 'AccountOpened': {
      const d = e.data;
      return {
        id: d.accountId,
        login: d.login,
        name: d.name,
        phone: d.phone,
        unitId: d.unitId,
        roles: [...d.roles],
        rank: d.rank,
        status: 'active',
        mustChangePassword: false,
        lockedUntil: null,
        openedAt: e.recordedAt,
        updatedAt: e.recordedAt,
        revision: e.revision,
      };
    }
    case 'AccountRoleGranted':
      if (!row || row.roles.includes(e.data.role)) return row;
      return touched({ ...row, roles: [...row.roles, e.data.role], unitId: e.data.unitId ?? row.unitId });
    case 'AccountRoleRevoked':
      return row && touched({ ...row, roles: row.roles.filter((r) => r !== e.data.role) });
    case 'AccountUnitChanged':
      return row && touched({ ...row, unitId: e.data.unitId });
    case 'AccountLocked':
      return row && touched({ ...row, status: row.status === 'closed' ? 'closed' : 'locked', lockedUntil: e.data.until });
    case 'AccountUnlocked':
      return row && touched({ ...row, status: row.status === 'closed' ? 'closed' : 'active', lockedUntil: null });
    case 'AccountPasswordSet':
      return row && touched({ ...row, mustChangePassword: e.data.mustChange });
    case 'AccountClosed':
      return row && touched({ ...row, status: 'closed', lockedUntil: null });
    default:
      return row;
  }
}

/** The events of the account stream (the login claim is not one: it folds into no view). */
export const ACCOUNT_VIEW_EVENTS = new Set<string>([
  'AccountOpened',
  'AccountRoleGranted',
  'AccountRoleRevoked',
  'AccountUnitChanged',
  'AccountLocked',
  'AccountUnlocked',
  'AccountPasswordSet',
  'AccountClosed',
]);
