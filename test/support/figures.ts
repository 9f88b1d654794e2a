/** API.md's `Figures`, spelled out by the story: every count not named is 0. */
export interface Figures {
  total: number;
  open: number;
  overdue: number;
  dueSoon: number;
  awaitingReview: number;
  concluded: number;
  struckOff: number;
  withdrawn: number;
  closureRate: number;
  onTimeRate: number;
}

export function figures(counts: Partial<Figures> = {}): Figures {
  return {
    total: 0,
    open: 0,
    overdue: 0,
    dueSoon: 0,
    awaitingReview: 0,
    concluded: 0,
    struckOff: 0,
    withdrawn: 0,
    closureRate: 0,
    onTimeRate: 0,
    ...counts,
  };
}

/** Only the API.md fields of a figures answer (a row may carry more, e.g. unitId and name). */
export function figuresOf(body: Record<string, unknown>): Figures {
  const f = figures();
  const out = {} as Record<string, unknown>;
  for (const k of Object.keys(f)) out[k] = body[k];
  return out as unknown as Figures;
}
