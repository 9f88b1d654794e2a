/**
 * 星级化考核 scoring rules: every branch starts at `base` points for the period and loses points for
 * what the ledger recorded against its items. Defaults below; LEDGER_STAR_RATING (JSON) overrides any
 * part, e.g. {"weights":{"returned":3},"thresholds":{"5":95}}.
 */
export interface StarRatingRules {
  base: number;
  weights: {
    /** Points at stake for on-time closure: lost in proportion to the items due in the period not concluded on time. */
    onTime: number;
    /** Per due date missed in the period (DeadlineMissed). */
    deadlineMissed: number;
    /** Per completion returned in the period (退回). */
    returned: number;
    /** Per accountability decision (not revoked) decided in the period. */
    accountability: number;
  };
  /** Lowest score for 5, 4, 3 and 2 stars; below the 2-star threshold: 1 star. */
  thresholds: { 5: number; 4: number; 3: number; 2: number };
}

export const DEFAULT_STAR_RATING_RULES: StarRatingRules = {
  base: 100,
  weights: { onTime: 30, deadlineMissed: 5, returned: 2, accountability: 10 },
  thresholds: { 5: 90, 4: 80, 3: 70, 2: 60 },
};

export class StarRatingRulesError extends Error {}

/** The defaults with `override` laid over them; every number checked. */
export function starRatingRules(override: Record<string, unknown> | null | undefined): StarRatingRules {
  const o = (override ?? {}) as { base?: unknown; weights?: Record<string, unknown>; thresholds?: Record<string, unknown> };
  const num = (v: unknown, fallback: number, name: string): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new StarRatingRulesError(`star rating: ${name} must be a number ≥ 0`);
    return v;
  };
  const d = DEFAULT_STAR_RATING_RULES;
  const w = o.weights ?? {};
  const t = o.thresholds ?? {};
  const rules: StarRatingRules = {
    base: num(o.base, d.base, 'base'),
    weights: {
      onTime: num(w.onTime, d.weights.onTime, 'weights.onTime'),
      deadlineMissed: num(w.deadlineMissed, d.weights.deadlineMissed, 'weights.deadlineMissed'),
      returned: num(w.returned, d.weights.returned, 'weights.returned'),
      accountability: num(w.accountability, d.weights.accountability, 'weights.accountability'),
    },
    thresholds: {
      5: num(t['5'], d.thresholds[5], 'thresholds.5'),
      4: num(t['4'], d.thresholds[4], 'thresholds.4'),
      3: num(t['3'], d.thresholds[3], 'thresholds.3'),
      2: num(t['2'], d.thresholds[2], 'thresholds.2'),
    },
  };
  const th = rules.thresholds;
  if (!(th[5] >= th[4] && th[4] >= th[3] && th[3] >= th[2])) throw new StarRatingRulesError('star rating: thresholds must fall from 5 to 2 stars');
  return rules;
}

export interface BranchTally {
  /** Items due in the period whose due date has passed, or that are concluded or struck off. */
  dueItems: number;
  /** … of which concluded on or before their due date in force. */
  onTimeItems: number;
  deadlinesMissed: number;
  returns: number;
  accountabilityDecisions: number;
}

export interface BranchScore {
  score: number;
  stars: 1 | 2 | 3 | 4 | 5;
  deductions: { onTime: number; deadlineMissed: number; returned: number; accountability: number };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function scoreBranch(t: BranchTally, rules: StarRatingRules): BranchScore {
  const w = rules.weights;
  const deductions = {
    onTime: t.dueItems === 0 ? 0 : round1((w.onTime * (t.dueItems - t.onTimeItems)) / t.dueItems),
    deadlineMissed: w.deadlineMissed * t.deadlinesMissed,
    returned: w.returned * t.returns,
    accountability: w.accountability * t.accountabilityDecisions,
  };
  const score = Math.max(0, round1(rules.base - deductions.onTime - deductions.deadlineMissed - deductions.returned - deductions.accountability));
  const th = rules.thresholds;
  const stars = score >= th[5] ? 5 : score >= th[4] ? 4 : score >= th[3] ? 3 : score >= th[2] ? 2 : 1;
  return { score, stars, deductions };
}
