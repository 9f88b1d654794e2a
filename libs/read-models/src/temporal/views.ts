import type { ItemRow } from '../items/item.entity';
import type { ItemVersionRow } from './entities';

/** The item view a version holds, in the shape of the current read model's row. */
export function itemRowOf(v: ItemVersionRow): ItemRow {
  return {
    id: v.itemId,
    sheetId: v.sheetId,
    title: v.title,
    requirements: v.requirements,
    unitId: v.unitId,
    supportUnitIds: v.supportUnitIds,
    cadreId: v.cadreId,
    leaderId: v.leaderId,
    status: v.status,
    dueDate: v.dueDate,
    originalDueDate: v.originalDueDate,
    concludedOn: v.concludedOn,
    onTime: v.onTime === null || v.onTime === undefined ? null : Boolean(v.onTime),
    urgeLevel: v.urgeLevel,
    accountabilityCount: v.accountabilityCount,
    liveDecisionIds: v.liveDecisionIds,
    deadlineMissedFor: v.deadlineMissedFor,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    revision: v.revision,
    position: v.position,
  };
}
