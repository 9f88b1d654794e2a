import type { Figures } from '../views';

/** Sums of counter rows for one owner or subtree, before the rates: the counts of `Figures`, and how many closed on time. */
export type FigureSums = Omit<Figures, 'closureRate' | 'onTimeRate'> & { onTime: number };

export const ZERO_SUMS: FigureSums = {
  total: 0,
  open: 0,
  overdue: 0,
  dueSoon: 0,
  awaitingReview: 0,
  concluded: 0,
  struckOff: 0,
  withdrawn: 0,
  onTime: 0,
};

export function addSums(a: FigureSums, b: FigureSums): FigureSums {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof FigureSums)[]) out[k] += b[k];
  return out;
}

export function figuresOf(s: FigureSums): Figures {
  const closed = s.concluded + s.struckOff;
  const counted = s.total - s.withdrawn;
  return {
    total: s.total,
    open: s.open,
    overdue: s.overdue,
    dueSoon: s.dueSoon,
    awaitingReview: s.awaitingReview,
    concluded: s.concluded,
    struckOff: s.struckOff,
    withdrawn: s.withdrawn,
    closureRate: counted > 0 ? closed / counted : 0,
    onTimeRate: closed > 0 ? s.onTime / closed : 0,
  };
}

/** Raw SQL aggregates come back as strings (PostgreSQL bigint) or numbers (SQLite). */
export function sumsFromRaw(raw: Record<string, unknown>): FigureSums {
  const n = (k: keyof FigureSums) => Number(raw[k] ?? 0);
  return {
    total: n('total'),
    open: n('open'),
    overdue: n('overdue'),
    dueSoon: n('dueSoon'),
    awaitingReview: n('awaitingReview'),
    concluded: n('concluded'),
    struckOff: n('struckOff'),
    withdrawn: n('withdrawn'),
    onTime: n('onTime'),
  };
}
