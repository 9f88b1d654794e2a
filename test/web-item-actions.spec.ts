import type { ItemStatus, UserRole } from '@ledger/contracts/events';
import { ITEM_ACTIONS, offeredActions } from '../apps/web/src/item-actions';

/**
 * The web item page's action table against DOMAIN.md, read by hand: who does what ("Who uses it") at
 * which stage ("A checklist item's life"). Not derived from libs/contracts' tables, which the page
 * offers by: where the two disagree, one of them is wrong. Withdrawing, reassigning and revoking a
 * decision are not on the item page, so no expected set names them.
 */
const cases: Array<{ role: UserRole; status: ItemStatus; pendingExtension?: boolean; expected: string[] }> = [
  // A handling unit acknowledges, reports progress and completion (ticking it off), asks for more time.
  { role: 'unit', status: 'assigned', expected: ['AcknowledgeItem', 'ReportProgress', 'ReportCompletion', 'RequestExtension'] },
  { role: 'unit', status: 'in_progress', expected: ['ReportProgress', 'ReportCompletion', 'RequestExtension'] },
  // Reported: the result awaits review and the unit waits; it never concludes its own item.
  { role: 'unit', status: 'reported', expected: [] },
  { role: 'unit', status: 'concluded', expected: [] },
  // Inspectors review reported results (return or conclude), urge and escalate; they record no decision.
  { role: 'inspector', status: 'reported', expected: ['ReturnCompletion', 'ConcludeItem', 'UrgeItem', 'ReferAccountability'] },
  { role: 'inspector', status: 'concluded', expected: ['ReopenItem', 'ReferAccountability'] },
  // The Organisation Department answers extension requests, strikes off what is concluded, reopens.
  { role: 'org_dept', status: 'in_progress', expected: ['UrgeItem', 'ReferAccountability', 'DecideAccountability'] },
  {
    role: 'org_dept',
    status: 'in_progress',
    pendingExtension: true,
    expected: ['UrgeItem', 'GrantExtension', 'RefuseExtension', 'ReferAccountability', 'DecideAccountability'],
  },
  { role: 'org_dept', status: 'concluded', expected: ['StrikeOffItem', 'ReopenItem', 'ReferAccountability', 'DecideAccountability'] },
  // A concluded item with an unanswered request: the request lapsed with the work, nothing to grant.
  { role: 'org_dept', status: 'concluded', pendingExtension: true, expected: ['StrikeOffItem', 'ReopenItem', 'ReferAccountability', 'DecideAccountability'] },
  // The Discipline Inspection Commission urges, escalates and records decisions; it never reviews.
  { role: 'discipline', status: 'reported', expected: ['UrgeItem', 'ReferAccountability', 'DecideAccountability'] },
  { role: 'discipline', status: 'struck_off', expected: ['ReferAccountability', 'DecideAccountability'] },
  // Withdrawn (已撤销) is terminal: nothing new is referred or decided on it.
  { role: 'org_dept', status: 'withdrawn', pendingExtension: true, expected: [] },
  { role: 'discipline', status: 'withdrawn', expected: [] },
  // The administrators (三员) do not act on items.
  { role: 'sysadmin', status: 'in_progress', expected: [] },
  { role: 'admin', status: 'assigned', expected: [] },
  { role: 'auditadmin', status: 'reported', expected: [] },
];

describe('the web item page offers exactly the acts the domain allows', () => {
  const table = cases.map((c) => ({ ...c, pending: c.pendingExtension ?? false }));
  it.each(table)('$role at $status (an extension request pending: $pending)', ({ role, status, pending, expected }) => {
    const offered = offeredActions(role, status, pending).map((a) => a.act);
    expect([...offered].sort()).toEqual([...expected].sort());
  });

  it('names each act once, with an API.md route, a label and a confirmation', () => {
    const acts = ITEM_ACTIONS.map((a) => a.act);
    expect(new Set(acts).size).toBe(acts.length);
    const paths = Object.fromEntries(ITEM_ACTIONS.map((a) => [a.act, a.path]));
    expect(paths).toEqual({
      AcknowledgeItem: 'acknowledge',
      ReportProgress: 'progress',
      ReportCompletion: 'complete',
      RequestExtension: 'extension/request',
      ReturnCompletion: 'return',
      ConcludeItem: 'conclude',
      StrikeOffItem: 'strike-off',
      ReopenItem: 'reopen',
      UrgeItem: 'urge',
      GrantExtension: 'extension/grant',
      RefuseExtension: 'extension/refuse',
      ReferAccountability: 'accountability/refer',
      DecideAccountability: 'accountability/decide',
    });
    for (const a of ITEM_ACTIONS) {
      expect(a.label).toMatch(/\p{Script=Han}/u);
      expect(a.done).toMatch(/\p{Script=Han}/u);
    }
  });
});
