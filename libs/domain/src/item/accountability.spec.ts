import { command, ev, given, ITEM, STAGE_HISTORIES } from './spec-fixtures';

const open = STAGE_HISTORIES.in_progress;

describe('追责 hold accountable', () => {
  describe('ReferAccountability 移送', () => {
    it('refers a cadre or a unit to discipline or organisation', () => {
      given(open)
        .when(command('ReferAccountability'))
        .then([{ type: 'AccountabilityReferred', data: { itemId: ITEM, target: { kind: 'cadre', id: 'cadre-1' }, to: 'discipline', note: null } }]);
      given(STAGE_HISTORIES.struck_off)
        .when(command('ReferAccountability', { role: 'org_dept', data: { target: { kind: 'unit', id: 'chaqu' }, to: 'organisation', note: '多次逾期' } }))
        .then([{ type: 'AccountabilityReferred', data: { itemId: ITEM, target: { kind: 'unit', id: 'chaqu' }, to: 'organisation', note: '多次逾期' } }]);
    });
    it('needs a valid target that exists, and a valid body', () => {
      given(open)
        .when(command('ReferAccountability', { data: { target: { kind: 'person', id: 'x' } } }))
        .thenRejects('INVALID_ACCOUNTABILITY_TARGET');
      given(open)
        .when(command('ReferAccountability', { data: { target: { kind: 'cadre', id: '' } } }))
        .thenRejects('INVALID_ACCOUNTABILITY_TARGET');
      given(open)
        .when(command('ReferAccountability', { facts: { targetExists: false } }))
        .thenRejects('ACCOUNTABILITY_TARGET_NOT_FOUND');
      given(open)
        .when(command('ReferAccountability', { data: { to: 'police' } }))
        .thenRejects('INVALID_REFERRAL_BODY');
    });
  });

  describe('DecideAccountability 问责决定', () => {
    it('records a decision against a cadre', () => {
      given(open)
        .when(command('DecideAccountability'))
        .then([ev.decided('d1')]);
    });
    it('records a decision against a unit with a unit form, defaults for the optional fields', () => {
      given(open)
        .when(
          command('DecideAccountability', {
            role: 'org_dept',
            data: { target: { kind: 'unit', id: 'chaqu' }, form: 'inspection', dispositionForm: undefined, documentNo: undefined, effectMonths: undefined },
          }),
        )
        .then([
          {
            ...ev.decided('d1'),
            data: {
              ...ev.decided('d1').data,
              target: { kind: 'unit', id: 'chaqu' },
              form: 'inspection',
              dispositionForm: null,
              documentNo: null,
              effectMonths: null,
            },
          },
        ]);
    });
    it.each([
      ['unit', 'admonishment'],
      ['unit', 'disciplinary_sanction'],
      ['cadre', 'inspection'],
      ['cadre', 'reorganisation'],
      ['cadre', 'fine'],
    ])('rejects form for a %s: %s', (kind, form) => {
      given(open)
        .when(command('DecideAccountability', { data: { target: { kind, id: 't' }, form } }))
        .thenRejects('INVALID_ACCOUNTABILITY_FORM');
    });
    it.each([
      ['unit', 'inspection'],
      ['unit', 'circulated_criticism'],
      ['unit', 'reorganisation'],
      ['cadre', 'circulated_criticism'],
      ['cadre', 'admonishment'],
      ['cadre', 'organisational_measure'],
      ['cadre', 'disciplinary_sanction'],
    ])('accepts form for a %s: %s', (kind, form) => {
      const decision = given(open).when(command('DecideAccountability', { data: { target: { kind, id: 't' }, form } })).decision;
      expect(Array.isArray(decision) && decision[0].type).toBe('AccountabilityDecided');
    });
    it('accepts disposition forms 1–4 or none, and nothing else', () => {
      for (const f of [1, 2, 3, 4, null]) {
        const decision = given(open).when(command('DecideAccountability', { data: { dispositionForm: f } })).decision;
        expect(Array.isArray(decision)).toBe(true);
      }
      for (const f of [0, 5, 2.5, '1']) {
        given(open)
          .when(command('DecideAccountability', { data: { dispositionForm: f } }))
          .thenRejects('INVALID_DISPOSITION_FORM');
      }
    });
    it('needs a target, a deciding body, a decision date not in the future, and a reason', () => {
      given(open)
        .when(command('DecideAccountability', { data: { target: undefined } }))
        .thenRejects('INVALID_ACCOUNTABILITY_TARGET');
      given(open)
        .when(command('DecideAccountability', { facts: { targetExists: false } }))
        .thenRejects('ACCOUNTABILITY_TARGET_NOT_FOUND');
      given(open)
        .when(command('DecideAccountability', { data: { decidedBy: '' } }))
        .thenRejects('DECIDING_BODY_REQUIRED');
      given(open)
        .when(command('DecideAccountability', { data: { decidedOn: '' } }))
        .thenRejects('INVALID_DATE');
      given(open)
        .when(command('DecideAccountability', { data: { decidedOn: '2026-03-11' } }))
        .thenRejects('DECISION_DATE_IN_FUTURE');
      given(open)
        .when(command('DecideAccountability', { data: { reason: ' ' } }))
        .thenRejects('REASON_REQUIRED');
    });
    it('accepts a decision dated today; rejects a bad effect period', () => {
      const decision = given(open).when(command('DecideAccountability', { data: { decidedOn: '2026-03-10' } })).decision;
      expect(Array.isArray(decision)).toBe(true);
      given(open)
        .when(command('DecideAccountability', { data: { effectMonths: 0 } }))
        .thenRejects('INVALID_EFFECT_PERIOD');
    });
    it('records each decision id once', () => {
      given([...open, ev.decided('d1')])
        .when(command('DecideAccountability'))
        .thenRejects('DECISION_ALREADY_RECORDED');
    });
  });

  describe('RevokeAccountability 撤销问责', () => {
    const revoked = { type: 'AccountabilityRevoked' as const, data: { itemId: ITEM, decisionId: 'd1', reason: '申诉成立', appealOutcome: '撤销' } };
    it('revokes a recorded decision', () => {
      given([...open, ev.decided('d1')])
        .when(command('RevokeAccountability'))
        .then([revoked]);
    });
    it('names an existing decision', () => {
      given([...open, ev.decided('d2')])
        .when(command('RevokeAccountability'))
        .thenRejects('DECISION_NOT_FOUND');
    });
    it('revokes only once', () => {
      given([...open, ev.decided('d1'), revoked])
        .when(command('RevokeAccountability'))
        .thenRejects('DECISION_ALREADY_REVOKED');
    });
    describe('on a withdrawn item: the withdrawal ends the work, not the accountability already decided', () => {
      const withdrawnAfterDecision = [...open, ev.decided('d1'), ev.withdrawn];
      it('revokes a decision recorded before the withdrawal, with the appeal outcome', () => {
        given(withdrawnAfterDecision)
          .when(command('RevokeAccountability', { role: 'org_dept' }))
          .then([revoked]);
        given(withdrawnAfterDecision)
          .when(command('RevokeAccountability', { data: { appealOutcome: undefined } }))
          .then([{ ...revoked, data: { ...revoked.data, appealOutcome: null } }]);
      });
      it('still revokes only a recorded decision, once, with a reason, by discipline or org_dept', () => {
        given([...open, ev.decided('d2'), ev.withdrawn])
          .when(command('RevokeAccountability'))
          .thenRejects('DECISION_NOT_FOUND');
        given([...open, ev.decided('d1'), revoked, ev.withdrawn])
          .when(command('RevokeAccountability'))
          .thenRejects('DECISION_ALREADY_REVOKED');
        given(withdrawnAfterDecision)
          .when(command('RevokeAccountability', { data: { reason: ' ' } }))
          .thenRejects('REASON_REQUIRED');
        given(withdrawnAfterDecision)
          .when(command('RevokeAccountability', { role: 'inspector' }))
          .thenRejects('ROLE_NOT_ALLOWED', { forbidden: true });
      });
      it('refers and decides nothing new', () => {
        given(withdrawnAfterDecision).when(command('ReferAccountability')).thenRejects('ITEM_WITHDRAWN');
        given(withdrawnAfterDecision)
          .when(command('DecideAccountability', { data: { decisionId: 'd2' } }))
          .thenRejects('ITEM_WITHDRAWN');
      });
    });
    it('leaves the other decisions standing', () => {
      const { state } = given([...open, ev.decided('d1'), ev.decided('d2'), revoked]);
      expect(state.status !== 'unassigned' && state.decisions).toEqual({
        d1: { decisionId: 'd1', target: { kind: 'cadre', id: 'cadre-1' }, revoked: true },
        d2: { decisionId: 'd2', target: { kind: 'cadre', id: 'cadre-1' }, revoked: false },
      });
    });
  });
});
