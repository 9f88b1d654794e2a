import { URGE_LEVELS, type EventOf } from '@ledger/contracts/events';
import type { ExistingItem, ItemRecord, ItemState } from './state';

export type ItemEvent = EventOf<
  | 'ItemAssigned'
  | 'ItemReassigned'
  | 'ExtensionRequested'
  | 'ExtensionGranted'
  | 'ExtensionRefused'
  | 'ItemWithdrawn'
  | 'ItemAcknowledged'
  | 'ProgressReported'
  | 'CompletionReported'
  | 'ItemUrged'
  | 'CompletionReturned'
  | 'ItemConcluded'
  | 'ItemStruckOff'
  | 'ItemReopened'
  | 'DeadlineMissed'
  | 'ItemEscalated'
  | 'AccountabilityReferred'
  | 'AccountabilityDecided'
  | 'AccountabilityRevoked'
>;

export const ITEM_EVENT_TYPES = [
  'ItemAssigned',
  'ItemReassigned',
  'ExtensionRequested',
  'ExtensionGranted',
  'ExtensionRefused',
  'ItemWithdrawn',
  'ItemAcknowledged',
  'ProgressReported',
  'CompletionReported',
  'ItemUrged',
  'CompletionReturned',
  'ItemConcluded',
  'ItemStruckOff',
  'ItemReopened',
  'DeadlineMissed',
  'ItemEscalated',
  'AccountabilityReferred',
  'AccountabilityDecided',
  'AccountabilityRevoked',
] as const satisfies readonly ItemEvent['type'][];

/**
 * Folds what was recorded; it never rejects. Stored history is the truth even where today's rules would
 * not allow it, so an event that makes no sense in the current stage leaves the state as it is.
 */
export function evolveItem(state: ItemState, event: ItemEvent): ItemState {
  if (event.type === 'ItemAssigned') {
    const { itemId, sheetId, unitId, cadreId, dueDate } = event.data;
    return {
      status: 'assigned',
      itemId,
      sheetId,
      unitId,
      cadreId,
      dueDate,
      originalDueDate: dueDate,
      extensionsGranted: 0,
      pendingExtension: null,
      missedDueDates: [],
      escalation: null,
      decisions: {},
    };
  }
  if (state.status === 'unassigned') return state;
  switch (event.type) {
    case 'ItemReassigned':
      return { ...state, unitId: event.data.unitId, cadreId: event.data.cadreId };
    case 'ExtensionRequested':
      return { ...state, pendingExtension: { newDueDate: event.data.newDueDate, reason: event.data.reason } };
    case 'ExtensionGranted':
      return {
        ...state,
        dueDate: event.data.newDueDate,
        extensionsGranted: event.data.extensionNumber,
        pendingExtension: null,
      };
    case 'ExtensionRefused':
      return { ...state, pendingExtension: null };
    case 'ItemWithdrawn':
      return { ...withoutStageFields(state), status: 'withdrawn', pendingExtension: null, reason: event.data.reason };
    case 'ItemAcknowledged':
      return state.status === 'assigned' ? { ...state, status: 'in_progress' } : state;
    case 'ProgressReported':
      return state.status === 'assigned' ? { ...state, status: 'in_progress' } : state;
    case 'CompletionReported':
      return state.status === 'assigned' || state.status === 'in_progress' ? { ...state, status: 'reported' } : state;
    case 'CompletionReturned':
      return state.status === 'reported' ? { ...state, status: 'in_progress' } : state;
    case 'ItemConcluded': {
      const { concludedOn, dueDate, onTime } = event.data;
      const conclusion = { concludedOn, dueDate, onTime };
      return { ...withoutStageFields(state), status: 'concluded', pendingExtension: null, conclusion };
    }
    case 'ItemStruckOff':
      return state.status === 'concluded' ? { ...state, status: 'struck_off' } : state;
    case 'ItemReopened':
      return { ...withoutStageFields(state), status: 'in_progress' };
    case 'DeadlineMissed':
      return state.missedDueDates.includes(event.data.dueDate) ? state : { ...state, missedDueDates: [...state.missedDueDates, event.data.dueDate] };
    case 'ItemEscalated': {
      const { dueDate, level } = event.data;
      const current = state.escalation?.dueDate === dueDate ? state.escalation.level : null;
      return current !== null && URGE_LEVELS.indexOf(current) >= URGE_LEVELS.indexOf(level) ? state : { ...state, escalation: { dueDate, level } };
    }
    case 'AccountabilityDecided': {
      const { decisionId, target } = event.data;
      return { ...state, decisions: { ...state.decisions, [decisionId]: { decisionId, target, revoked: false } } };
    }
    case 'AccountabilityRevoked': {
      const decision = state.decisions[event.data.decisionId];
      if (!decision) return state;
      return { ...state, decisions: { ...state.decisions, [decision.decisionId]: { ...decision, revoked: true } } };
    }
    case 'ItemUrged':
    case 'AccountabilityReferred':
      return state;
    default:
      return state;
  }
}

/** Drops what belongs to one stage only (a conclusion, a withdrawal reason) before moving to another. */
function withoutStageFields(state: ExistingItem): ItemRecord {
  const { itemId, sheetId, unitId, cadreId, dueDate, originalDueDate, extensionsGranted } = state;
  const { pendingExtension, missedDueDates, escalation, decisions } = state;
  return { itemId, sheetId, unitId, cadreId, dueDate, originalDueDate, extensionsGranted, pendingExtension, missedDueDates, escalation, decisions };
}
