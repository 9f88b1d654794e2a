import type { ProjectedEvent } from '../projected-event';
import type { AccountabilityDecisionRow } from './accountability-decision.entity';

/** 问责台账: a decision's row, keyed by decisionId. */
export function evolveDecision(row: AccountabilityDecisionRow | null, e: ProjectedEvent): AccountabilityDecisionRow | null {
  switch (e.type) {
    case 'AccountabilityDecided': {
      const d = e.data;
      return {
        decisionId: d.decisionId,
        itemId: d.itemId,
        targetKind: d.target.kind,
        targetId: d.target.id,
        form: d.form,
        dispositionForm: d.dispositionForm,
        decidedBy: d.decidedBy,
        decidedOn: d.decidedOn,
        documentNo: d.documentNo,
        effectMonths: d.effectMonths,
        reason: d.reason,
        revoked: false,
        revokedReason: null,
        recordedAt: e.recordedAt,
      };
    }
    case 'AccountabilityRevoked':
      return row && { ...row, revoked: true, revokedReason: e.data.reason };
    default:
      return row;
  }
}
