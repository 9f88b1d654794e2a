import { command, DUE, ev, given, ITEM, STAGE_HISTORIES, TODAY } from './spec-fixtures';

describe('定责 assign', () => {
  describe('AssignItem', () => {
    it('assigns an item to a live unit and an active cadre', () => {
      given([]).when(command('AssignItem')).then([ev.assigned]);
    });
    it('fills the optional fields with empty values', () => {
      given([])
        .when(
          command('AssignItem', {
            data: { requirements: undefined, supportUnitIds: ['mobula'], leaderId: 'leader-1' },
            facts: { leader: { exists: true, left: false }, supportUnits: { mobula: { exists: true, dissolved: false } } },
          }),
        )
        .then([{ ...ev.assigned, data: { ...ev.assigned.data, requirements: '', supportUnitIds: ['mobula'], leaderId: 'leader-1' } }]);
    });
    it('accepts a due date of today and rejects one before today', () => {
      given([])
        .when(command('AssignItem', { data: { dueDate: TODAY } }))
        .then([{ ...ev.assigned, data: { ...ev.assigned.data, dueDate: TODAY } }]);
      given([])
        .when(command('AssignItem', { data: { dueDate: '2026-03-09' } }))
        .thenRejects('DUE_DATE_IN_PAST');
    });
    it('rejects a malformed due date and a missing title', () => {
      given([])
        .when(command('AssignItem', { data: { dueDate: '2026/03/20' } }))
        .thenRejects('INVALID_DATE');
      given([])
        .when(command('AssignItem', { data: { title: ' ' } }))
        .thenRejects('TITLE_REQUIRED');
    });
    it('needs the sheet to exist', () => {
      given([])
        .when(command('AssignItem', { facts: { sheet: { exists: false } } }))
        .thenRejects('SHEET_NOT_FOUND');
    });
    it('needs the unit to exist and not be dissolved', () => {
      given([])
        .when(command('AssignItem', { facts: { unit: { exists: false, dissolved: false } } }))
        .thenRejects('UNIT_NOT_FOUND');
      given([])
        .when(command('AssignItem', { facts: { unit: { exists: true, dissolved: true } } }))
        .thenRejects('UNIT_DISSOLVED');
    });
    it('needs the cadre to exist and still serve', () => {
      given([])
        .when(command('AssignItem', { facts: { cadre: { exists: false, left: false } } }))
        .thenRejects('CADRE_NOT_FOUND');
      given([])
        .when(command('AssignItem', { facts: { cadre: { exists: true, left: true } } }))
        .thenRejects('CADRE_HAS_LEFT');
    });
    it('needs a named leader to exist and still serve', () => {
      const withLeader = (leader: unknown) => command('AssignItem', { data: { leaderId: 'leader-1' }, facts: { leader } });
      given([]).when(withLeader(undefined)).thenRejects('LEADER_NOT_FOUND');
      given([])
        .when(withLeader({ exists: false, left: false }))
        .thenRejects('LEADER_NOT_FOUND');
      given([])
        .when(withLeader({ exists: true, left: true }))
        .thenRejects('LEADER_HAS_LEFT');
      given([])
        .when(withLeader({ exists: true, left: false }))
        .then([{ type: 'ItemAssigned', data: { ...ev.assigned.data, leaderId: 'leader-1' } }]);
    });
    it('needs every support unit to exist and not be dissolved', () => {
      const withSupport = (supportUnits: unknown) => command('AssignItem', { data: { supportUnitIds: ['s1', 's2'] }, facts: { supportUnits } });
      given([])
        .when(withSupport({ s1: { exists: true, dissolved: false } }))
        .thenRejects('SUPPORT_UNIT_NOT_FOUND');
      given([])
        .when(withSupport({ s1: { exists: true, dissolved: false }, s2: { exists: true, dissolved: true } }))
        .thenRejects('SUPPORT_UNIT_DISSOLVED');
      given([])
        .when(withSupport({ s1: { exists: true, dissolved: false }, s2: { exists: true, dissolved: false } }))
        .then([{ type: 'ItemAssigned', data: { ...ev.assigned.data, supportUnitIds: ['s1', 's2'] } }]);
    });
  });

  describe('ReassignItem', () => {
    const reassigned = (over: object) => ({
      type: 'ItemReassigned' as const,
      data: { itemId: ITEM, unitId: 'chaqu', cadreId: 'cadre-1', previousUnitId: 'chaqu', previousCadreId: 'cadre-1', reason: '人员调整', ...over },
    });
    it('changes the responsible cadre and keeps the stage', () => {
      given(STAGE_HISTORIES.in_progress)
        .when(command('ReassignItem'))
        .then([reassigned({ cadreId: 'cadre-2' })]);
    });
    it('changes the handling unit', () => {
      given(STAGE_HISTORIES.assigned)
        .when(command('ReassignItem', { data: { unitId: 'mobula', cadreId: undefined }, facts: { unit: { exists: true, dissolved: false } } }))
        .then([reassigned({ unitId: 'mobula' })]);
    });
    it('rejects a reassignment that changes nothing', () => {
      given(STAGE_HISTORIES.assigned)
        .when(command('ReassignItem', { data: { unitId: 'chaqu', cadreId: 'cadre-1' } }))
        .thenRejects('REASSIGNMENT_CHANGES_NOTHING');
      given(STAGE_HISTORIES.assigned)
        .when(command('ReassignItem', { data: { cadreId: undefined } }))
        .thenRejects('REASSIGNMENT_CHANGES_NOTHING');
    });
    it('rejects a dissolved unit, a departed cadre, and a missing reason', () => {
      given(STAGE_HISTORIES.assigned)
        .when(command('ReassignItem', { data: { unitId: 'old' }, facts: { unit: { exists: true, dissolved: true } } }))
        .thenRejects('UNIT_DISSOLVED');
      given(STAGE_HISTORIES.assigned)
        .when(command('ReassignItem', { facts: { cadre: { exists: true, left: true } } }))
        .thenRejects('CADRE_HAS_LEFT');
      given(STAGE_HISTORIES.assigned)
        .when(command('ReassignItem', { facts: { cadre: undefined } }))
        .thenRejects('CADRE_NOT_FOUND');
      given(STAGE_HISTORIES.assigned)
        .when(command('ReassignItem', { data: { reason: '' } }))
        .thenRejects('REASON_REQUIRED');
    });
  });

  describe('extensions 延期', () => {
    it('records a request made before the due date, for a later date', () => {
      given(STAGE_HISTORIES.in_progress).when(command('RequestExtension')).then([ev.extensionRequested()]);
    });
    it('rejects a request on or after the due date in force', () => {
      given(STAGE_HISTORIES.in_progress)
        .when(command('RequestExtension', { today: DUE }))
        .thenRejects('EXTENSION_AFTER_DUE_DATE');
      given(STAGE_HISTORIES.in_progress)
        .when(command('RequestExtension', { today: '2026-03-21' }))
        .thenRejects('EXTENSION_AFTER_DUE_DATE');
    });
    it('measures "before the due date" against the extended date once one is granted', () => {
      given([...STAGE_HISTORIES.in_progress, ev.extensionRequested(), ev.extensionGranted()])
        .when(command('RequestExtension', { today: '2026-03-25', data: { newDueDate: '2026-04-10' } }))
        .then([ev.extensionRequested('2026-04-10', '2026-03-31')]);
    });
    it('rejects a new date that is not later', () => {
      given(STAGE_HISTORIES.in_progress)
        .when(command('RequestExtension', { data: { newDueDate: DUE } }))
        .thenRejects('EXTENSION_NOT_LATER');
      given(STAGE_HISTORIES.in_progress)
        .when(command('RequestExtension', { data: { newDueDate: '2026-03-15' } }))
        .thenRejects('EXTENSION_NOT_LATER');
    });
    it('allows one pending request at a time', () => {
      given([...STAGE_HISTORIES.in_progress, ev.extensionRequested()])
        .when(command('RequestExtension', { data: { newDueDate: '2026-04-05' } }))
        .thenRejects('EXTENSION_ALREADY_PENDING');
    });
    it('allows a new request once the previous one is refused', () => {
      given([
        ...STAGE_HISTORIES.in_progress,
        ev.extensionRequested(),
        { type: 'ExtensionRefused', data: { itemId: ITEM, newDueDate: '2026-03-31', reason: '不予' } },
      ])
        .when(command('RequestExtension', { data: { newDueDate: '2026-03-25' } }))
        .then([ev.extensionRequested('2026-03-25')]);
    });
    it('grants the pending request, moving the due date', () => {
      given([...STAGE_HISTORIES.in_progress, ev.extensionRequested()])
        .when(command('GrantExtension'))
        .then([ev.extensionGranted()]);
    });
    it('refuses the pending request', () => {
      given([...STAGE_HISTORIES.in_progress, ev.extensionRequested()])
        .when(command('RefuseExtension'))
        .then([{ type: 'ExtensionRefused', data: { itemId: ITEM, newDueDate: '2026-03-31', reason: '理由不充分' } }]);
    });
    it('needs a pending request to grant or refuse', () => {
      given(STAGE_HISTORIES.in_progress).when(command('GrantExtension')).thenRejects('NO_PENDING_EXTENSION');
      given(STAGE_HISTORIES.in_progress).when(command('RefuseExtension')).thenRejects('NO_PENDING_EXTENSION');
      given([...STAGE_HISTORIES.in_progress, ev.extensionRequested(), ev.extensionGranted()])
        .when(command('GrantExtension'))
        .thenRejects('NO_PENDING_EXTENSION');
    });
    describe('who approves (DOMAIN.md: the first by an org_dept officer, a later one by 部领导, never by the previous approver)', () => {
      /** GrantExtension by one org_dept user; `previousApprover` is the fact the application reads from the stream. */
      const grantBy = (userId: string, rank: 'leader' | undefined, previousApprover: string | null) => {
        const c = command('GrantExtension', { facts: { previousApprover } });
        return { ...c, context: { ...c.context, actor: { ...c.context.actor, userId, ...(rank ? { rank } : {}) } } };
      };
      const firstPending = [...STAGE_HISTORIES.in_progress, ev.extensionRequested()];
      const secondPending = [...firstPending, ev.extensionGranted(), ev.extensionRequested('2026-04-10', '2026-03-31')];
      const thirdPending = [...secondPending, ev.extensionGranted('2026-04-10', '2026-03-31', 2), ev.extensionRequested('2026-04-30', '2026-04-10')];

      it('lets any org_dept officer grant the first extension, a leader too', () => {
        given(firstPending)
          .when(grantBy('officer-1', undefined, null))
          .then([ev.extensionGranted()]);
        given(firstPending)
          .when(grantBy('leader-1', 'leader', null))
          .then([ev.extensionGranted()]);
      });
      it('refuses a second extension to an officer who is not of leader rank, whoever granted the first', () => {
        given(secondPending)
          .when(grantBy('officer-2', undefined, 'officer-1'))
          .thenRejects('EXTENSION_NEEDS_COUNTY_APPROVER', { forbidden: true });
        given(secondPending)
          .when(grantBy('officer-1', undefined, 'officer-1'))
          .thenRejects('EXTENSION_NEEDS_COUNTY_APPROVER', { forbidden: true });
      });
      it('lets a leader grant the second extension, unless that leader granted the first', () => {
        given(secondPending)
          .when(grantBy('leader-1', 'leader', 'officer-1'))
          .then([ev.extensionGranted('2026-04-10', '2026-03-31', 2)]);
        given(secondPending)
          .when(grantBy('leader-1', 'leader', 'leader-1'))
          .thenRejects('EXTENSION_SAME_APPROVER', { forbidden: true });
      });
      it('asks the same of a third: a leader other than the one who granted the second', () => {
        given(thirdPending)
          .when(grantBy('leader-1', 'leader', 'leader-1'))
          .thenRejects('EXTENSION_SAME_APPROVER', { forbidden: true });
        given(thirdPending)
          .when(grantBy('officer-1', undefined, 'leader-1'))
          .thenRejects('EXTENSION_NEEDS_COUNTY_APPROVER', { forbidden: true });
        given(thirdPending)
          .when(grantBy('leader-2', 'leader', 'leader-1'))
          .then([ev.extensionGranted('2026-04-30', '2026-04-10', 3)]);
      });
      it('refuses a later extension when the previous approver is not known (fails closed)', () => {
        const c = command('GrantExtension');
        const leader = { ...c, context: { ...c.context, actor: { ...c.context.actor, userId: 'leader-1', rank: 'leader' as const } } };
        given(secondPending).when(leader).thenRejects('EXTENSION_SAME_APPROVER', { forbidden: true });
      });
    });
    it('drops a pending request when the item is concluded', () => {
      const history = [
        ev.assigned,
        ev.extensionRequested(),
        ev.acknowledged,
        ev.completionReported,
        ev.concluded,
        { type: 'ItemReopened' as const, data: { itemId: ITEM, reason: 'x', previousStatus: 'concluded' as const } },
      ];
      given(history).when(command('GrantExtension')).thenRejects('NO_PENDING_EXTENSION');
    });
  });

  describe('WithdrawItem', () => {
    it('withdraws an open item with a reason', () => {
      given(STAGE_HISTORIES.reported).when(command('WithdrawItem')).then([ev.withdrawn]);
      given(STAGE_HISTORIES.assigned)
        .when(command('WithdrawItem', { data: { reason: '' } }))
        .thenRejects('REASON_REQUIRED');
    });
    it('is refused after conclusion or strike-off, and nothing happens after withdrawal', () => {
      given(STAGE_HISTORIES.concluded).when(command('WithdrawItem')).thenRejects('ITEM_CLOSED');
      given(STAGE_HISTORIES.struck_off).when(command('WithdrawItem')).thenRejects('ITEM_CLOSED');
      given(STAGE_HISTORIES.withdrawn).when(command('WithdrawItem')).thenRejects('ITEM_WITHDRAWN');
    });
  });
});
