import type { AccountabilityTarget, LocalDate, UrgeLevel } from '@ledger/contracts/events';

export interface PendingExtension {
  newDueDate: LocalDate;
  reason: string;
}

export interface DecisionRecord {
  decisionId: string;
  target: AccountabilityTarget;
  revoked: boolean;
}

/** What every assigned item knows, whatever its stage. */
export interface ItemRecord {
  itemId: string;
  sheetId: string;
  unitId: string;
  cadreId: string;
  /** The due date in force (after granted extensions). */
  dueDate: LocalDate;
  originalDueDate: LocalDate;
  extensionsGranted: number;
  pendingExtension: PendingExtension | null;
  /** Due dates for which DeadlineMissed is recorded (once each). */
  missedDueDates: LocalDate[];
  /** The highest escalation step recorded (ItemEscalated) for the due date it counted from; a new due date restarts the ladder. */
  escalation: { dueDate: LocalDate; level: UrgeLevel } | null;
  decisions: Record<string, DecisionRecord>;
}

export interface Conclusion {
  concludedOn: LocalDate;
  /** The due date in force at conclusion. */
  dueDate: LocalDate;
  onTime: boolean;
}

export interface UnassignedItem {
  status: 'unassigned';
}
export interface AssignedItem extends ItemRecord {
  status: 'assigned';
}
export interface InProgressItem extends ItemRecord {
  status: 'in_progress';
}
export interface ReportedItem extends ItemRecord {
  status: 'reported';
}
export interface ConcludedItem extends ItemRecord {
  status: 'concluded';
  conclusion: Conclusion;
}
export interface StruckOffItem extends ItemRecord {
  status: 'struck_off';
  conclusion: Conclusion;
}
export interface WithdrawnItem extends ItemRecord {
  status: 'withdrawn';
  reason: string;
}

/** 已交办 → 办理中 → 已反馈 → 已办结 → 已销号, or 已撤销; `unassigned` is the empty stream. */
export type ItemState = UnassignedItem | AssignedItem | InProgressItem | ReportedItem | ConcludedItem | StruckOffItem | WithdrawnItem;

export type ExistingItem = Exclude<ItemState, UnassignedItem>;
export type OpenItem = AssignedItem | InProgressItem | ReportedItem;
export type ClosedItem = ConcludedItem | StruckOffItem;

export const initialItemState = (): ItemState => ({ status: 'unassigned' });

export const isOpen = (state: ItemState): state is OpenItem => state.status === 'assigned' || state.status === 'in_progress' || state.status === 'reported';

export const isClosed = (state: ItemState): state is ClosedItem => state.status === 'concluded' || state.status === 'struck_off';
