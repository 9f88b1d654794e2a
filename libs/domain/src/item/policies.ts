import {
  CADRE_ACCOUNTABILITY_FORMS,
  ITEM_ACT_ROLES,
  stageRefusal,
  UNIT_ACCOUNTABILITY_FORMS,
  URGE_LEVELS,
  type AccountabilityTarget,
  type Actor,
  type ActorRole,
  type Evidence,
} from '@ledger/contracts/events';
import type { CommandContext } from '../shared/decider';
import { present, type CadreFacts, type UnitFacts, type Verdict } from '../shared/policies';
import { deny, refuse } from '../shared/rejections';
import type { ItemCommandType } from './commands';
import type { ExistingItem, ItemState } from './state';

/** Who may send each item command: libs/contracts' table, which the web app offers by too. */
export const ITEM_COMMAND_ROLES: { readonly [K in ItemCommandType]: readonly ActorRole[] } = ITEM_ACT_ROLES;

const OK = undefined;

/** The transition table (libs/contracts' ITEM_STAGE_RULES); an empty stream answers ITEM_NOT_FOUND. */
export function stageAllows(type: Exclude<ItemCommandType, 'AssignItem'>, state: ItemState): Verdict {
  if (state.status === 'unassigned') return deny('ITEM_NOT_FOUND');
  const code = stageRefusal(type, state.status);
  if (code === OK) return OK;
  return code === 'ITEM_WITHDRAWN' ? deny(code, { itemId: state.itemId }) : deny(code, { itemId: state.itemId, status: state.status });
}

export function systemUrgesOnlyReminders(context: CommandContext, level: string): Verdict {
  return context.actor.role === 'system' && level !== 'reminder' ? refuse('URGE_LEVEL_NOT_ALLOWED', { level }) : OK;
}

export function validUrgeLevel(level: unknown): Verdict {
  return (URGE_LEVELS as readonly unknown[]).includes(level) ? OK : deny('INVALID_URGE_LEVEL', { level });
}

export function liveHandlingUnit(unitId: string, unit: UnitFacts | undefined): Verdict {
  if (!unit?.exists) return deny('UNIT_NOT_FOUND', { unitId });
  if (unit.dissolved) return deny('UNIT_DISSOLVED', { unitId });
  return OK;
}

export function activeResponsibleCadre(cadreId: string, cadre: CadreFacts | undefined): Verdict {
  if (!cadre?.exists) return deny('CADRE_NOT_FOUND', { cadreId });
  if (cadre.left) return deny('CADRE_HAS_LEFT', { cadreId });
  return OK;
}

/** A leader (责任领导) the item names must be a registered cadre who still serves. */
export function knownLeader(leaderId: string | null | undefined, leader: CadreFacts | undefined): Verdict {
  if (!leaderId) return OK;
  if (!leader?.exists) return deny('LEADER_NOT_FOUND', { leaderId });
  if (leader.left) return deny('LEADER_HAS_LEFT', { leaderId });
  return OK;
}

/** Support units (配合单位) must exist and not be dissolved, like the handling unit. */
export function liveSupportUnits(unitIds: readonly string[] | undefined, facts: Record<string, UnitFacts> | undefined): Verdict {
  for (const unitId of unitIds ?? []) {
    const unit = facts?.[unitId];
    if (!unit?.exists) return deny('SUPPORT_UNIT_NOT_FOUND', { unitId });
    if (unit.dissolved) return deny('SUPPORT_UNIT_DISSOLVED', { unitId });
  }
  return OK;
}

const SHA256 = /^[0-9a-f]{64}$/i;
export function validEvidence(evidence: readonly Evidence[] | undefined): Verdict {
  const bad = (evidence ?? []).findIndex((e) => !present(e?.name) || !Number.isInteger(e.size) || e.size < 0 || !SHA256.test(e.sha256 ?? ''));
  return bad < 0 ? OK : deny('INVALID_EVIDENCE', { index: bad });
}

// 延期 extensions
/** A request comes before the due date in force, asks for a later one, and waits alone. */
export function extensionMayBeRequested(item: ExistingItem, today: string, newDueDate: string): Verdict {
  if (!(today < item.dueDate)) return deny('EXTENSION_AFTER_DUE_DATE', { dueDate: item.dueDate, today });
  if (!(newDueDate > item.dueDate)) return deny('EXTENSION_NOT_LATER', { dueDate: item.dueDate, newDueDate });
  if (item.pendingExtension) return deny('EXTENSION_ALREADY_PENDING', { newDueDate: item.pendingExtension.newDueDate });
  return OK;
}

/**
 * DOMAIN.md: the first extension any org_dept officer grants; a second or later one only an org_dept
 * user of leader rank (部领导), and never the one who granted the extension before. The previous
 * approver comes as a fact; unknown, the grant is refused rather than risk the same person twice.
 */
export function approverMayGrant(item: ExistingItem, approver: Actor, previousApprover: string | null | undefined): Verdict {
  if (item.extensionsGranted === 0) return OK;
  const extensionNumber = item.extensionsGranted + 1;
  if (approver.rank !== 'leader') return refuse('EXTENSION_NEEDS_COUNTY_APPROVER', { extensionNumber, rank: approver.rank ?? null });
  if (!previousApprover || previousApprover === approver.userId) {
    return refuse('EXTENSION_SAME_APPROVER', { extensionNumber, previousApprover: previousApprover ?? null });
  }
  return OK;
}

// 逾期 deadlines
/** DeadlineMissed: once per due date, only after it passed, never for an item concluded in time. */
export function deadlineMayBeRecorded(item: ExistingItem, today: string): Verdict {
  if (item.status === 'concluded' && item.conclusion.onTime) return deny('ITEM_CONCLUDED_ON_TIME');
  if (!(today > item.dueDate)) return deny('DEADLINE_NOT_PASSED', { dueDate: item.dueDate, today });
  if (item.missedDueDates.includes(item.dueDate)) return deny('DEADLINE_ALREADY_RECORDED', { dueDate: item.dueDate });
  return OK;
}

/**
 * ItemEscalated: a step of the ladder counts its days from the due date in force, in county dates; one
 * step per level and due date, each above the last (a worker that was off records the highest step
 * reached, not the ones it passed).
 */
export function escalationMayBeRecorded(item: ExistingItem, today: string, step: unknown, level: unknown): Verdict {
  if (!(URGE_LEVELS as readonly unknown[]).includes(level)) return deny('INVALID_URGE_LEVEL', { level });
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) return deny('INVALID_ESCALATION_STEP', { step });
  const daysOverdue = countyDaysBetween(item.dueDate, today);
  if (daysOverdue < step) return deny('ESCALATION_NOT_DUE', { dueDate: item.dueDate, today, step });
  const current = item.escalation?.dueDate === item.dueDate ? item.escalation.level : null;
  if (current !== null && URGE_LEVELS.indexOf(current) >= URGE_LEVELS.indexOf(level as (typeof URGE_LEVELS)[number])) {
    return deny('ESCALATION_ALREADY_RECORDED', { dueDate: item.dueDate, level: current });
  }
  return OK;
}

/** Whole days from one county date to another (both `YYYY-MM-DD`). */
export function countyDaysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

// 问责 accountability
export function validTarget(target: AccountabilityTarget | undefined, targetExists: boolean | undefined): Verdict {
  if (!target || (target.kind !== 'cadre' && target.kind !== 'unit') || !present(target.id)) {
    return deny('INVALID_ACCOUNTABILITY_TARGET', { target });
  }
  return targetExists === false ? deny('ACCOUNTABILITY_TARGET_NOT_FOUND', { target }) : OK;
}

/** 《中国共产党问责条例》: 检查/通报/改组 for an organisation; 通报/诫勉/组织处理/纪律处分 for a cadre. */
export function formFitsTarget(target: AccountabilityTarget, form: string): Verdict {
  const forms: readonly string[] = target.kind === 'unit' ? UNIT_ACCOUNTABILITY_FORMS : CADRE_ACCOUNTABILITY_FORMS;
  return forms.includes(form) ? OK : deny('INVALID_ACCOUNTABILITY_FORM', { targetKind: target.kind, form, allowed: forms });
}

export function validDispositionForm(value: unknown): Verdict {
  return value === null || value === undefined || value === 1 || value === 2 || value === 3 || value === 4
    ? OK
    : deny('INVALID_DISPOSITION_FORM', { dispositionForm: value });
}

export function validEffectPeriod(months: unknown): Verdict {
  return months === null || months === undefined || (Number.isInteger(months) && (months as number) > 0)
    ? OK
    : deny('INVALID_EFFECT_PERIOD', { effectMonths: months });
}

export function decisionMayBeRevoked(item: ExistingItem, decisionId: string): Verdict {
  const decision = item.decisions[decisionId];
  if (!decision) return deny('DECISION_NOT_FOUND', { decisionId });
  return decision.revoked ? deny('DECISION_ALREADY_REVOKED', { decisionId }) : OK;
}
