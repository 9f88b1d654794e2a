import type { EventOf } from '@ledger/contracts/events';
import { specFor } from '../shared/specification';
import { contextFor } from '../testing';
import { accountDecider, accountStream, type AccountCommand, type OpenAccount } from './account';
import { accountLoginDecider, accountLoginStream, type ClaimAccountLogin } from './account-login';

const { given } = specFor(accountDecider);
const sys = contextFor('sysadmin', { userId: 'acc-sys' });
const sec = contextFor('secadmin', { userId: 'acc-sec' });
const live = { exists: true, dissolved: false };

const open = (over: Partial<OpenAccount['data']> = {}, context = sys, unit = live): OpenAccount => ({
  type: 'OpenAccount',
  context,
  data: { accountId: 'a1', login: 'Li.Zuzhi', name: '李组织', roles: ['org_dept'], ...over },
  facts: { unit },
});
const opened: EventOf<'AccountOpened'> = {
  type: 'AccountOpened',
  data: { accountId: 'a1', login: 'Li.Zuzhi', name: '李组织', phone: null, unitId: null, roles: ['org_dept'], rank: null, reason: null },
};
const initialPassword: EventOf<'AccountPasswordSet'> = {
  type: 'AccountPasswordSet',
  data: { accountId: 'a1', kind: 'initial', mustChange: true, reason: null },
};
const locked: EventOf<'AccountLocked'> = { type: 'AccountLocked', data: { accountId: 'a1', reason: '离岗', until: null } };
const closed: EventOf<'AccountClosed'> = { type: 'AccountClosed', data: { accountId: 'a1', reason: '调离' } };
const on = (type: AccountCommand['type'], data: Record<string, unknown> = {}, context = sec): AccountCommand =>
  ({ type, context, data: { accountId: 'a1', ...data }, facts: { unit: live } }) as unknown as AccountCommand;

describe('account decider', () => {
  it('names its streams account-<id> and account_login-<login in lower case>', () => {
    expect(accountStream('a1')).toBe('account-a1');
    expect(accountLoginStream(' Li.Zuzhi ')).toBe('account_login-li.zuzhi');
  });

  describe('OpenAccount', () => {
    it('opens an account with its roles and a one-time initial password (the event carries no secret)', () => {
      given([]).when(open()).then([opened, initialPassword]);
    });
    it('keeps phone, unit, rank and reason, trimmed', () => {
      given([])
        .when(open({ phone: ' 0971-1234567 ', unitId: 'chaqu', roles: ['unit', 'unit'], reason: ' 新任 ' }))
        .then([{ type: 'AccountOpened', data: { ...opened.data, phone: '0971-1234567', unitId: 'chaqu', roles: ['unit'], reason: '新任' } }, initialPassword]);
      given([])
        .when(open({ roles: ['org_dept'], rank: 'leader' }))
        .then([{ type: 'AccountOpened', data: { ...opened.data, rank: 'leader' } }, initialPassword]);
    });
    it('is the system administrator’s (an admin token acts as one); the security and audit administrators and others may not', () => {
      given([])
        .when(open({}, contextFor('admin')))
        .then([opened, initialPassword]);
      for (const role of ['secadmin', 'auditadmin', 'org_dept', 'discipline', 'inspector', 'unit'] as const) {
        given([])
          .when(open({}, contextFor(role)))
          .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
      }
    });
    it('lets the system open only the bootstrap system administrator', () => {
      given([])
        .when(open({ roles: ['sysadmin'] }, contextFor('system')))
        .then([{ type: 'AccountOpened', data: { ...opened.data, roles: ['sysadmin'] } }, initialPassword]);
      given([])
        .when(open({ roles: ['secadmin'] }, contextFor('system')))
        .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
    });
    it('opens the first security and audit administrators', () => {
      given([])
        .when(open({ roles: ['secadmin'] }))
        .then([{ type: 'AccountOpened', data: { ...opened.data, roles: ['secadmin'] } }, initialPassword]);
      given([])
        .when(open({ roles: ['auditadmin'] }))
        .then([{ type: 'AccountOpened', data: { ...opened.data, roles: ['auditadmin'] } }, initialPassword]);
    });
    it('refuses two administrator roles, or one beside a role that acts on items (三员分立)', () => {
      given([])
        .when(open({ roles: ['sysadmin', 'secadmin'] }))
        .thenRejects('ADMIN_ROLES_EXCLUSIVE');
      given([])
        .when(open({ roles: ['secadmin', 'auditadmin'] }))
        .thenRejects('ADMIN_ROLES_EXCLUSIVE');
      given([])
        .when(open({ roles: ['auditadmin', 'inspector'] }))
        .thenRejects('ADMIN_ROLES_EXCLUSIVE');
    });
    it('binds a unit user to a live unit', () => {
      given([])
        .when(open({ roles: ['unit'] }))
        .thenRejects('UNIT_ROLE_NEEDS_UNIT');
      given([])
        .when(open({ roles: ['unit'], unitId: 'gone' }, sys, { exists: false, dissolved: false }))
        .thenRejects('UNIT_NOT_FOUND');
      given([])
        .when(open({ roles: ['unit'], unitId: 'old' }, sys, { exists: true, dissolved: true }))
        .thenRejects('UNIT_DISSOLVED');
    });
    it('gives the leader rank to the organisation department only', () => {
      given([])
        .when(open({ roles: ['inspector'], rank: 'leader' }))
        .thenRejects('RANK_NEEDS_ORG_DEPT');
      given([])
        .when(open({ rank: 'chief' }))
        .thenRejects('RANK_INVALID');
    });
    it('checks login, name, phone and roles', () => {
      given([])
        .when(open({ login: 'x' }))
        .thenRejects('LOGIN_INVALID');
      given([])
        .when(open({ login: '李组织' }))
        .thenRejects('LOGIN_INVALID');
      given([])
        .when(open({ login: 'a b' }))
        .thenRejects('LOGIN_INVALID');
      given([])
        .when(open({ name: ' ' }))
        .thenRejects('NAME_REQUIRED');
      given([])
        .when(open({ phone: 'call me' }))
        .thenRejects('PHONE_INVALID');
      given([])
        .when(open({ roles: [] }))
        .thenRejects('ACCOUNT_ROLES_REQUIRED');
      given([])
        .when(open({ roles: ['admin'] }))
        .thenRejects('ROLE_INVALID');
      given([])
        .when(open({ roles: ['root'] }))
        .thenRejects('ROLE_INVALID');
    });
    it('refuses opening the same account twice', () => void given([opened]).when(open()).thenRejects('ACCOUNT_ALREADY_EXISTS'));
  });

  describe('GrantAccountRole and RevokeAccountRole', () => {
    it('grants and revokes a role, with the reason', () => {
      given([opened])
        .when(on('GrantAccountRole', { role: 'discipline', reason: '兼任' }))
        .then([{ type: 'AccountRoleGranted', data: { accountId: 'a1', role: 'discipline', unitId: null, reason: '兼任' } }]);
      given([opened])
        .when(on('RevokeAccountRole', { role: 'org_dept' }))
        .then([{ type: 'AccountRoleRevoked', data: { accountId: 'a1', role: 'org_dept', reason: null } }]);
    });
    it('are the security administrator’s only', () => {
      for (const role of ['sysadmin', 'admin', 'auditadmin', 'org_dept'] as const) {
        given([opened])
          .when(on('GrantAccountRole', { role: 'discipline' }, contextFor(role)))
          .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
        given([opened])
          .when(on('RevokeAccountRole', { role: 'org_dept' }, contextFor(role)))
          .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
      }
    });
    it('never on the security administrator’s own account', () => {
      const own = { type: 'AccountOpened' as const, data: { ...opened.data, accountId: 'acc-sec', roles: ['secadmin' as const] } };
      given([own])
        .when(on('RevokeAccountRole', { accountId: 'acc-sec', role: 'secadmin' }))
        .thenRejects('ACCOUNT_SELF_ADMINISTRATION', { forbidden: true });
    });
    it('keeps the administrator roles apart', () => {
      given([opened])
        .when(on('GrantAccountRole', { role: 'auditadmin' }))
        .thenRejects('ADMIN_ROLES_EXCLUSIVE');
      const admin = { type: 'AccountOpened' as const, data: { ...opened.data, roles: ['sysadmin' as const] } };
      given([admin])
        .when(on('GrantAccountRole', { role: 'secadmin' }))
        .thenRejects('ADMIN_ROLES_EXCLUSIVE');
    });
    it('binds the unit role to a unit, moving the account when another unit is named', () => {
      given([opened])
        .when(on('GrantAccountRole', { role: 'unit' }))
        .thenRejects('UNIT_ROLE_NEEDS_UNIT');
      given([opened])
        .when(on('GrantAccountRole', { role: 'unit', unitId: 'chaqu' }))
        .then([
          { type: 'AccountUnitChanged', data: { accountId: 'a1', unitId: 'chaqu', previousUnitId: null, reason: null } },
          { type: 'AccountRoleGranted', data: { accountId: 'a1', role: 'unit', unitId: 'chaqu', reason: null } },
        ]);
    });
    it('refuses a role held, a role not held, an unknown role, a closed account', () => {
      given([opened])
        .when(on('GrantAccountRole', { role: 'org_dept' }))
        .thenRejects('ROLE_ALREADY_HELD');
      given([opened])
        .when(on('RevokeAccountRole', { role: 'inspector' }))
        .thenRejects('ROLE_NOT_HELD');
      given([opened])
        .when(on('GrantAccountRole', { role: 'admin' }))
        .thenRejects('ROLE_INVALID');
      given([opened, closed])
        .when(on('GrantAccountRole', { role: 'inspector' }))
        .thenRejects('ACCOUNT_CLOSED');
      given([])
        .when(on('GrantAccountRole', { role: 'inspector' }))
        .thenRejects('ACCOUNT_NOT_FOUND');
    });
    it('folds the roles held', () => {
      const { state } = given([
        opened,
        { type: 'AccountRoleGranted', data: { accountId: 'a1', role: 'inspector', unitId: null, reason: null } },
        { type: 'AccountRoleRevoked', data: { accountId: 'a1', role: 'org_dept', reason: null } },
      ]);
      expect(state).toMatchObject({ status: 'active', roles: ['inspector'] });
    });
  });

  describe('ChangeAccountUnit', () => {
    it('moves the account to another live unit', () => {
      given([opened])
        .when(on('ChangeAccountUnit', { unitId: 'mobula', reason: '调动' }))
        .then([{ type: 'AccountUnitChanged', data: { accountId: 'a1', unitId: 'mobula', previousUnitId: null, reason: '调动' } }]);
      given([opened, { type: 'AccountUnitChanged', data: { accountId: 'a1', unitId: 'mobula', previousUnitId: null, reason: null } }])
        .when(on('ChangeAccountUnit', { unitId: 'mobula' }))
        .thenRejects('ACCOUNT_UNIT_UNCHANGED');
      given([opened])
        .when({ type: 'ChangeAccountUnit', context: sec, data: { accountId: 'a1', unitId: 'x' }, facts: { unit: { exists: false, dissolved: false } } })
        .thenRejects('UNIT_NOT_FOUND');
      given([opened])
        .when(on('ChangeAccountUnit', { unitId: 'mobula' }, sys))
        .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
    });
  });

  describe('LockAccount and UnlockAccount', () => {
    it('locks and unlocks, once each', () => {
      given([opened])
        .when(on('LockAccount', { reason: '离岗' }))
        .then([locked]);
      given([opened, locked]).when(on('LockAccount')).thenRejects('ACCOUNT_ALREADY_LOCKED');
      given([opened, locked])
        .when(on('UnlockAccount', { reason: '返岗' }))
        .then([{ type: 'AccountUnlocked', data: { accountId: 'a1', reason: '返岗' } }]);
      given([opened]).when(on('UnlockAccount')).thenRejects('ACCOUNT_NOT_LOCKED');
      given([opened, closed]).when(on('LockAccount')).thenRejects('ACCOUNT_CLOSED');
    });
    it('lets the system lock for failed sign-ins, until an instant; only the security administrator unlocks', () => {
      given([opened])
        .when(on('LockAccount', { reason: '连续登录失败', until: '2026-03-10T12:30:00+08:00' }, contextFor('system')))
        .then([{ type: 'AccountLocked', data: { accountId: 'a1', reason: '连续登录失败', until: '2026-03-10T12:30:00+08:00' } }]);
      given([opened, locked])
        .when(on('UnlockAccount', {}, contextFor('system')))
        .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
      given([opened])
        .when(on('LockAccount', {}, sys))
        .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
    });
  });

  describe('passwords', () => {
    it('a reset is a one-time password the holder must change; the event says only that it was set', () => {
      given([opened, locked])
        .when(on('ResetAccountPassword', { reason: '忘记密码' }))
        .then([{ type: 'AccountPasswordSet', data: { accountId: 'a1', kind: 'reset', mustChange: true, reason: '忘记密码' } }]);
      given([opened])
        .when(on('ResetAccountPassword', {}, sys))
        .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
      given([opened, closed]).when(on('ResetAccountPassword')).thenRejects('ACCOUNT_CLOSED');
    });
    it('the holder changes its own password, not another’s, not while locked', () => {
      const holder = contextFor('org_dept', { userId: 'a1' });
      given([opened])
        .when(on('ChangeOwnPassword', {}, holder))
        .then([{ type: 'AccountPasswordSet', data: { accountId: 'a1', kind: 'changed', mustChange: false, reason: null } }]);
      given([opened])
        .when(on('ChangeOwnPassword', {}, contextFor('org_dept', { userId: 'a2' })))
        .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
      given([opened, locked])
        .when(on('ChangeOwnPassword', {}, holder))
        .thenRejects('ACCOUNT_LOCKED');
    });
  });

  describe('CloseAccount', () => {
    it('closes an account once, locked or not', () => {
      given([opened])
        .when(on('CloseAccount', { reason: '调离' }))
        .then([closed]);
      given([opened, locked])
        .when(on('CloseAccount', { reason: '调离' }))
        .then([closed]);
      given([opened, closed]).when(on('CloseAccount')).thenRejects('ACCOUNT_CLOSED');
      given([opened])
        .when(on('CloseAccount', {}, sys))
        .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
      expect(given([opened, locked, closed]).state).toMatchObject({ status: 'closed', roles: ['org_dept'] });
    });
  });
});

describe('account login claim decider', () => {
  const { given: claimGiven } = specFor(accountLoginDecider);
  const claim = (accountId: string, context = sys): ClaimAccountLogin => ({ type: 'ClaimAccountLogin', context, data: { login: 'Li.Zuzhi', accountId } });
  const claimed: EventOf<'AccountLoginClaimed'> = { type: 'AccountLoginClaimed', data: { login: 'li.zuzhi', accountId: 'a1' } };

  it('claims a free login, in lower case', () => void claimGiven([]).when(claim('a1')).then([claimed]));
  it('refuses a login another account holds (closed or not)', () => void claimGiven([claimed]).when(claim('a2')).thenRejects('ACCOUNT_LOGIN_TAKEN'));
  it('is idempotent for the account that holds it', () => void claimGiven([claimed]).when(claim('a1')).then([]));
  it('is the system administrator’s (and the bootstrap’s)', () => {
    claimGiven([])
      .when(claim('a1', contextFor('system')))
      .then([claimed]);
    claimGiven([]).when(claim('a1', sec)).thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
  });
});
