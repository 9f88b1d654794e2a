import { URGE_LEVELS, type UrgeLevel } from '@ledger/contracts/events';
import type { ProjectedEvent } from '../projected-event';
import type { ItemRow } from './item.entity';

function higher(a: UrgeLevel | null, b: UrgeLevel): UrgeLevel {
  return a !== null && URGE_LEVELS.indexOf(a) >= URGE_LEVELS.indexOf(b) ? a : b;
}

const NO_DECISIONS = '[]';

/**
 * The item view after one event of its stream; other events leave it as it is. Status moves follow
 * the item decider's evolve (libs/domain/src/item/evolve.ts), guards included.
 */
export function evolveItem(row: ItemRow | null, e: ProjectedEvent): ItemRow | null {
  if (e.type === 'ItemAssigned') {
    const d = e.data;
    return {
      id: d.itemId,
      sheetId: d.sheetId,
      title: d.title,
      requirements: d.requirements,
      unitId: d.unitId,
      supportUnitIds: d.supportUnitIds,
      cadreId: d.cadreId,
      leaderId: d.leaderId,
      status: 'assigned',
      dueDate: d.dueDate,
      originalDueDate: d.dueDate,
      concludedOn: null,
      onTime: null,
      urgeLevel: null,
      accountabilityCount: 0,
      liveDecisionIds: NO_DECISIONS,
      deadlineMissedFor: null,
      createdAt: e.recordedAt,
      updatedAt: e.recordedAt,
      revision: e.revision,
      position: e.position.toString(),
    };
  }
  if (!row) return row;
  const next: ItemRow = { ...row, updatedAt: e.recordedAt, revision: e.revision, position: e.position.toString() };
  switch (e.type) {
    case 'ItemReassigned':
      return { ...next, unitId: e.data.unitId, cadreId: e.data.cadreId };
    case 'ExtensionGranted':
      return { ...next, dueDate: e.data.newDueDate };
    case 'ItemWithdrawn':
      return { ...next, status: 'withdrawn' };
    case 'ItemAcknowledged':
    case 'ProgressReported':
      return { ...next, status: row.status === 'assigned' ? 'in_progress' : row.status };
    case 'CompletionReported':
      return { ...next, status: row.status === 'assigned' || row.status === 'in_progress' ? 'reported' : row.status };
    case 'CompletionReturned':
      return { ...next, status: row.status === 'reported' ? 'in_progress' : row.status };
    case 'ItemConcluded':
      return { ...next, status: 'concluded', concludedOn: e.data.concludedOn, onTime: e.data.onTime };
    case 'ItemStruckOff':
      return { ...next, status: row.status === 'concluded' ? 'struck_off' : row.status };
    case 'ItemReopened':
      return { ...next, status: 'in_progress', concludedOn: null, onTime: null };
    case 'ItemUrged':
    case 'ItemEscalated':
      // a step of the escalation ladder raises the item's supervision level as a person's urge does
      return { ...next, urgeLevel: higher(row.urgeLevel, e.data.level) };
    case 'DeadlineMissed':
      return { ...next, deadlineMissedFor: e.data.dueDate };
    case 'AccountabilityDecided':
    case 'AccountabilityRevoked': {
      // Recording a decision already in force, or revoking one that is not, changes no count (the decider refuses both).
      const live: string[] = JSON.parse(row.liveDecisionIds);
      const id = e.data.decisionId;
      const decided = e.type === 'AccountabilityDecided';
      if (live.includes(id) === decided) return next;
      const after = decided ? [...live, id] : live.filter((d) => d !== id);
      return {
        ...next,
        accountabilityCount: row.accountabilityCount + (decided ? 1 : -1),
        liveDecisionIds: after.length ? JSON.stringify(after) : NO_DECISIONS,
      };
    }
    case 'ExtensionRequested':
    case 'ExtensionRefused':
    case 'AccountabilityReferred':
      return next;
    default:
      return row;
  }
}
