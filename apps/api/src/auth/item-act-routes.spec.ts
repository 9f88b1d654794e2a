/**
 * Issue 17 point 3: the item routes take who may call them from the contracts' act table. The
 * expectations are API.md's "who" column for the item commands, written out here by hand (not read
 * from the table), so a drift of the table or a route from the contract fails this spec.
 */
import 'reflect-metadata';
import { ROLES_KEY } from './roles.decorator';
import { AcknowledgeItemRoute } from '../items/acknowledge-item/acknowledge-item.route';
import { AssignItemRoute } from '../items/assign-item/assign-item.route';
import { ConcludeItemRoute } from '../items/conclude-item/conclude-item.route';
import { GrantExtensionRoute } from '../items/grant-extension/grant-extension.route';
import { ReassignItemRoute } from '../items/reassign-item/reassign-item.route';
import { RefuseExtensionRoute } from '../items/refuse-extension/refuse-extension.route';
import { ReopenItemRoute } from '../items/reopen-item/reopen-item.route';
import { ReportCompletionRoute } from '../items/report-completion/report-completion.route';
import { ReportProgressRoute } from '../items/report-progress/report-progress.route';
import { RequestExtensionRoute } from '../items/request-extension/request-extension.route';
import { ReturnCompletionRoute } from '../items/return-completion/return-completion.route';
import { StrikeOffItemRoute } from '../items/strike-off-item/strike-off-item.route';
import { UrgeItemRoute } from '../items/urge-item/urge-item.route';
import { WithdrawItemRoute } from '../items/withdraw-item/withdraw-item.route';
import { DecideAccountabilityRoute } from '../accountability/decide-accountability/decide-accountability.route';
import { ReferAccountabilityRoute } from '../accountability/refer-accountability/refer-accountability.route';
import { RevokeAccountabilityRoute } from '../accountability/revoke-accountability/revoke-accountability.route';

type RouteClass = { prototype: object };
const API_MD_WHO: Array<[string, RouteClass, string, string[]]> = [
  ['POST /items', AssignItemRoute, 'assignItem', ['org_dept']],
  ['POST /items/:id/acknowledge', AcknowledgeItemRoute, 'acknowledgeItem', ['unit']],
  ['POST /items/:id/progress', ReportProgressRoute, 'reportProgress', ['unit']],
  ['POST /items/:id/complete', ReportCompletionRoute, 'reportCompletion', ['unit']],
  ['POST /items/:id/return', ReturnCompletionRoute, 'returnCompletion', ['inspector', 'org_dept']],
  ['POST /items/:id/conclude', ConcludeItemRoute, 'concludeItem', ['inspector', 'org_dept']],
  ['POST /items/:id/strike-off', StrikeOffItemRoute, 'strikeOffItem', ['org_dept']],
  ['POST /items/:id/reopen', ReopenItemRoute, 'reopenItem', ['org_dept', 'inspector']],
  // `system` urges too (reminders), but from the in-process worker: no token carries it.
  ['POST /items/:id/urge', UrgeItemRoute, 'urgeItem', ['inspector', 'discipline', 'org_dept']],
  ['POST /items/:id/reassign', ReassignItemRoute, 'reassignItem', ['org_dept']],
  ['POST /items/:id/extension/request', RequestExtensionRoute, 'requestExtension', ['unit']],
  ['POST /items/:id/extension/grant', GrantExtensionRoute, 'grantExtension', ['org_dept']],
  ['POST /items/:id/extension/refuse', RefuseExtensionRoute, 'refuseExtension', ['org_dept']],
  ['POST /items/:id/withdraw', WithdrawItemRoute, 'withdrawItem', ['org_dept']],
  ['POST /items/:id/accountability/refer', ReferAccountabilityRoute, 'referAccountability', ['inspector', 'org_dept', 'discipline']],
  ['POST /items/:id/accountability/decide', DecideAccountabilityRoute, 'decideAccountability', ['discipline', 'org_dept']],
  ['POST /items/:id/accountability/:decisionId/revoke', RevokeAccountabilityRoute, 'revokeAccountability', ['discipline', 'org_dept']],
];

describe('item routes: who may call them', () => {
  it.each(API_MD_WHO)("%s admits exactly API.md's roles", (_route, cls, method, who) => {
    const handler = (cls.prototype as Record<string, unknown>)[method] as object;
    expect(typeof handler).toBe('function');
    const roles = Reflect.getMetadata(ROLES_KEY, handler) as string[] | undefined;
    expect([...(roles ?? [])].sort()).toEqual([...who].sort());
  });
});
