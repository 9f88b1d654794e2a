import { STREAM_PREFIX } from '@ledger/contracts/events';
import type { Decider, Decision } from '../shared/decider';
import { present, reasonGiven, roleMayAct, unreachable, validDate, withinActorScope } from '../shared/policies';
import { deny } from '../shared/rejections';
import type { AssignItem, ItemCommand, ReassignItem } from './commands';
import { evolveItem, type ItemEvent } from './evolve';
import {
  activeResponsibleCadre,
  approverMayGrant,
  deadlineMayBeRecorded,
  decisionMayBeRevoked,
  extensionMayBeRequested,
  formFitsTarget,
  ITEM_COMMAND_ROLES,
  knownLeader,
  liveHandlingUnit,
  liveSupportUnits,
  stageAllows,
  systemUrgesOnlyReminders,
  escalationMayBeRecorded,
  countyDaysBetween,
  validDispositionForm,
  validEffectPeriod,
  validEvidence,
  validTarget,
  validUrgeLevel,
} from './policies';
import { initialItemState, type ExistingItem, type ItemState } from './state';

export const itemStream = (itemId: string): string => STREAM_PREFIX.item + itemId;

/**
 * Checks run in this order: the actor's role (403), the item's existence, the actor's scope (403, so a
 * unit learns nothing about other units' items), the stage (the transition table), then the rule itself.
 */
export function decideItem(command: ItemCommand, state: ItemState): Decision<ItemEvent> {
  const { context } = command;
  const who = roleMayAct(context, ITEM_COMMAND_ROLES[command.type]);
  if (who) return who;
  if (command.type === 'AssignItem') return assign(command, state);
  if (state.status === 'unassigned') return deny('ITEM_NOT_FOUND');
  const scoped = withinActorScope(context, command.facts?.inActorScope) ?? stageAllows(command.type, state);
  if (scoped) return scoped;
  const item = state as ExistingItem;
  const itemId = item.itemId;
  const today = context.today;

  switch (command.type) {
    // 定责 assign
    case 'ReassignItem':
      return reassign(command, item);
    case 'RequestExtension': {
      const { newDueDate, reason } = command.data;
      return (
        validDate('newDueDate', newDueDate) ??
        reasonGiven(reason) ??
        extensionMayBeRequested(item, today, newDueDate) ?? [{ type: 'ExtensionRequested', data: { itemId, newDueDate, currentDueDate: item.dueDate, reason } }]
      );
    }
    case 'GrantExtension': {
      const pending = item.pendingExtension;
      if (!pending) return deny('NO_PENDING_EXTENSION');
      return (
        approverMayGrant(item, context.actor, command.facts?.previousApprover) ?? [
          {
            type: 'ExtensionGranted',
            data: {
              itemId,
              newDueDate: pending.newDueDate,
              previousDueDate: item.dueDate,
              note: command.data.note ?? null,
              extensionNumber: item.extensionsGranted + 1,
            },
          },
        ]
      );
    }
    case 'RefuseExtension': {
      const pending = item.pendingExtension;
      if (!pending) return deny('NO_PENDING_EXTENSION');
      return reasonGiven(command.data.reason) ?? [{ type: 'ExtensionRefused', data: { itemId, newDueDate: pending.newDueDate, reason: command.data.reason } }];
    }
    case 'WithdrawItem':
      return reasonGiven(command.data.reason) ?? [{ type: 'ItemWithdrawn', data: { itemId, reason: command.data.reason } }];

    // 履责 fulfil
    case 'AcknowledgeItem':
      return [{ type: 'ItemAcknowledged', data: { itemId, unitId: item.unitId } }];
    case 'ReportProgress': {
      const { note, evidence } = command.data;
      return (
        (present(note) ? undefined : deny('NOTE_REQUIRED')) ??
        validEvidence(evidence) ?? [{ type: 'ProgressReported', data: { itemId, note, evidence: evidence ?? [] } }]
      );
    }
    case 'ReportCompletion': {
      const { summary, evidence } = command.data;
      // Implicit acknowledgement (签收): a unit that reports completion of an item it never acknowledged
      // has evidently received it; refusing would only make the client send two requests. The history
      // still shows the acknowledgement as its own fact, so in_progress is never skipped.
      const acknowledgement: ItemEvent[] = item.status === 'assigned' ? [{ type: 'ItemAcknowledged', data: { itemId, unitId: item.unitId } }] : [];
      return (
        (present(summary) ? undefined : deny('SUMMARY_REQUIRED')) ??
        validEvidence(evidence) ?? [...acknowledgement, { type: 'CompletionReported', data: { itemId, summary, evidence: evidence ?? [] } }]
      );
    }

    // 督责 supervise
    case 'UrgeItem': {
      const { level, channel, note } = command.data;
      return (
        validUrgeLevel(level) ??
        systemUrgesOnlyReminders(context, level) ?? [{ type: 'ItemUrged', data: { itemId, level, channel: channel ?? null, note: note ?? null } }]
      );
    }
    case 'ReturnCompletion':
      return reasonGiven(command.data.reason) ?? [{ type: 'CompletionReturned', data: { itemId, reason: command.data.reason } }];
    case 'ConcludeItem':
      return [
        {
          type: 'ItemConcluded',
          data: {
            itemId,
            note: command.data.note ?? null,
            concludedOn: today,
            dueDate: item.dueDate,
            onTime: today <= item.dueDate,
          },
        },
      ];
    case 'StrikeOffItem':
      return [{ type: 'ItemStruckOff', data: { itemId, note: command.data.note ?? null } }];
    case 'ReopenItem':
      return (
        reasonGiven(command.data.reason) ?? [
          {
            type: 'ItemReopened',
            data: { itemId, reason: command.data.reason, previousStatus: item.status as 'concluded' | 'struck_off' },
          },
        ]
      );
    case 'RecordDeadlineMissed':
      return deadlineMayBeRecorded(item, today) ?? [{ type: 'DeadlineMissed', data: { itemId, dueDate: item.dueDate } }];
    case 'EscalateItem': {
      const { step, level } = command.data;
      return (
        escalationMayBeRecorded(item, today, step, level) ?? [
          { type: 'ItemEscalated', data: { itemId, step, level, dueDate: item.dueDate, daysOverdue: countyDaysBetween(item.dueDate, today) } },
        ]
      );
    }

    // 追责 hold accountable
    case 'ReferAccountability': {
      const { target, to, note } = command.data;
      return (
        validTarget(target, command.facts?.targetExists) ??
        (to === 'discipline' || to === 'organisation' ? undefined : deny('INVALID_REFERRAL_BODY', { to })) ?? [
          { type: 'AccountabilityReferred', data: { itemId, target, to, note: note ?? null } },
        ]
      );
    }
    case 'DecideAccountability': {
      const d = command.data;
      return (
        (item.decisions[d.decisionId] ? deny('DECISION_ALREADY_RECORDED', { decisionId: d.decisionId }) : undefined) ??
        validTarget(d.target, command.facts?.targetExists) ??
        formFitsTarget(d.target, d.form) ??
        validDispositionForm(d.dispositionForm) ??
        (present(d.decidedBy) ? undefined : deny('DECIDING_BODY_REQUIRED')) ??
        validDate('decidedOn', d.decidedOn) ??
        (d.decidedOn > today ? deny('DECISION_DATE_IN_FUTURE', { decidedOn: d.decidedOn, today }) : undefined) ??
        validEffectPeriod(d.effectMonths) ??
        reasonGiven(d.reason) ?? [
          {
            type: 'AccountabilityDecided',
            data: {
              itemId,
              decisionId: d.decisionId,
              target: d.target,
              form: d.form,
              dispositionForm: d.dispositionForm ?? null,
              decidedBy: d.decidedBy,
              decidedOn: d.decidedOn,
              documentNo: d.documentNo ?? null,
              effectMonths: d.effectMonths ?? null,
              reason: d.reason,
            },
          },
        ]
      );
    }
    case 'RevokeAccountability': {
      const { decisionId, reason, appealOutcome } = command.data;
      return (
        decisionMayBeRevoked(item, decisionId) ??
        reasonGiven(reason) ?? [{ type: 'AccountabilityRevoked', data: { itemId, decisionId, reason, appealOutcome: appealOutcome ?? null } }]
      );
    }
    default:
      return unreachable(command);
  }
}

function assign(command: AssignItem, state: ItemState): Decision<ItemEvent> {
  const d = command.data;
  const { sheet, unit, cadre, leader, supportUnits } = command.facts ?? {};
  return (
    (state.status !== 'unassigned' ? deny('ITEM_ALREADY_EXISTS', { itemId: d.itemId }) : undefined) ??
    (present(d.title) ? undefined : deny('TITLE_REQUIRED')) ??
    validDate('dueDate', d.dueDate) ??
    (d.dueDate < command.context.today ? deny('DUE_DATE_IN_PAST', { dueDate: d.dueDate }) : undefined) ??
    (sheet?.exists ? undefined : deny('SHEET_NOT_FOUND', { sheetId: d.sheetId })) ??
    liveHandlingUnit(d.unitId, unit) ??
    activeResponsibleCadre(d.cadreId, cadre) ??
    knownLeader(d.leaderId, leader) ??
    liveSupportUnits(d.supportUnitIds, supportUnits) ?? [
      {
        type: 'ItemAssigned',
        data: {
          itemId: d.itemId,
          sheetId: d.sheetId,
          title: d.title.trim(),
          requirements: d.requirements ?? '',
          unitId: d.unitId,
          supportUnitIds: d.supportUnitIds ?? [],
          cadreId: d.cadreId,
          leaderId: d.leaderId ?? null,
          dueDate: d.dueDate,
        },
      },
    ]
  );
}

/** Reassignment changes the handling unit, the responsible cadre or both; the stage stays as it is. */
function reassign(command: ReassignItem, item: ExistingItem): Decision<ItemEvent> {
  const unitId = command.data.unitId ?? item.unitId;
  const cadreId = command.data.cadreId ?? item.cadreId;
  const unitChanges = unitId !== item.unitId;
  const cadreChanges = cadreId !== item.cadreId;
  return (
    (unitChanges || cadreChanges ? undefined : deny('REASSIGNMENT_CHANGES_NOTHING')) ??
    reasonGiven(command.data.reason) ??
    (unitChanges ? liveHandlingUnit(unitId, command.facts?.unit) : undefined) ??
    (cadreChanges ? activeResponsibleCadre(cadreId, command.facts?.cadre) : undefined) ?? [
      {
        type: 'ItemReassigned',
        data: {
          itemId: item.itemId,
          unitId,
          cadreId,
          previousUnitId: item.unitId,
          previousCadreId: item.cadreId,
          reason: command.data.reason,
        },
      },
    ]
  );
}

export const itemDecider: Decider<ItemCommand, ItemState, ItemEvent> = {
  initialState: initialItemState,
  decide: decideItem,
  evolve: evolveItem,
};
