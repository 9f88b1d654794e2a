import { URGE_LEVELS, type UrgeLevel } from '@ledger/contracts/events';

/** One step of the escalation ladder: `days` county days after the due date in force, at `level`. */
export interface EscalationStep {
  days: number;
  level: UrgeLevel;
}

/** 提醒 on the due date, 催办 3 days after, 督办 7, 挂牌督办 15 (with a notice to the unit's responsible leader). */
export const DEFAULT_ESCALATION = '0:reminder,3:urge,7:notice,15:listed';

/**
 * LEDGER_ESCALATION: `days:level` pairs, comma-separated, or `off`. Days rise strictly and so do the
 * levels (提醒 < 催办 < 督办 < 挂牌督办): each step must be above the last, which is what lets the
 * decider keep one step per level and due date.
 */
export function parseEscalation(raw: string): { ladder: EscalationStep[] } | { problem: string } {
  const value = raw.trim();
  if (value.toLowerCase() === 'off') return { ladder: [] };
  const bad = (why: string) => ({
    problem: `LEDGER_ESCALATION=${raw}: ${why}; expected days:level pairs with rising days and levels (${URGE_LEVELS.join(' < ')}), e.g. ${DEFAULT_ESCALATION}, or off`,
  });
  const ladder: EscalationStep[] = [];
  for (const part of value.split(',')) {
    const m = /^\s*(\d{1,3}):([a-z]+)\s*$/.exec(part);
    if (!m) return bad(`"${part}" is not days:level`);
    const days = Number(m[1]);
    const level = m[2] as UrgeLevel;
    if (!URGE_LEVELS.includes(level)) return bad(`unknown level "${m[2]}"`);
    if (days > 365) return bad(`${days} days is more than a year`);
    const last = ladder[ladder.length - 1];
    if (last && days <= last.days) return bad(`${days} days does not come after ${last.days}`);
    if (last && URGE_LEVELS.indexOf(level) <= URGE_LEVELS.indexOf(last.level)) return bad(`${level} is not above ${last.level}`);
    ladder.push({ days, level });
  }
  return { ladder };
}

/** The highest step reached `daysOverdue` county days after the due date, or null before the first. */
export function stepReached(ladder: readonly EscalationStep[], daysOverdue: number): EscalationStep | null {
  let reached: EscalationStep | null = null;
  for (const step of ladder) if (step.days <= daysOverdue) reached = step;
  return reached;
}
