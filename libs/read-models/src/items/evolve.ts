import { URGE_LEVELS, type UrgeLevel } from '@ledger/contracts/events';
import type { ProjectedEvent } from '../projected-event';
import { countyDateOf } from '../dates';
import type { ItemRow } from './item.entity';

function higher(a: UrgeLevel | null, b: UrgeLevel): UrgeLevel {
  return a !== null && URGE_LEVELS.indexOf(a) >= URGE_LEVELS.indexOf(b) ? a : b;
}

/** The item view after one event of its stream; other events leave it as it is. */
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
    case 'CompletionReturned':
      return { ...next, status: 'in_progress' };
    case 'ProgressReported':
      return { ...next, status: row.status === 'assigned' ? 'in_progress' : row.status };
    case 'CompletionReported':
      return { ...next, status: 'reported' };
    case 'ItemConcluded':
      return { ...next, status: 'concluded', concludedOn: e.data.concludedOn, onTime: e.data.onTime };
    case 'ItemStruckOff': {
      // Normally struck off after a conclusion; if not, the strike-off date is when it was closed.
      if (row.concludedOn !== null) return { ...next, status: 'struck_off' };
      const on = countyDateOf(e.recordedAt);
      return { ...next, status: 'struck_off', concludedOn: on, onTime: on <= row.dueDate };
    }
    case 'ItemReopened':
      return { ...next, status: 'in_progress', concludedOn: null, onTime: null };
    case 'ItemUrged':
      return { ...next, urgeLevel: higher(row.urgeLevel, e.data.level) };
    case 'DeadlineMissed':
      return { ...next, deadlineMissedFor: e.data.dueDate };
    case 'AccountabilityDecided':
      return { ...next, accountabilityCount: row.accountabilityCount + 1 };
    case 'AccountabilityRevoked':
      return { ...next, accountabilityCount: Math.max(0, row.accountabilityCount - 1) };
    case 'ExtensionRequested':
    case 'ExtensionRefused':
    case 'AccountabilityReferred':
      return next;
    default:
      return row;
  }
}
