import type { Figures } from '@ledger/contracts/http/views';

export type { Figures };

/** API.md's `Figures` with nothing in them, written out from API.md (not the code's emptyFigures): rates 0 when nothing counts. */
const NONE: Figures = {
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
};

/** API.md's `Figures`, spelled out by the story: every count not named is 0. */
export function figures(counts: Partial<Figures> = {}): Figures {
  return { ...NONE, ...counts };
}

/** Only the API.md fields of a figures answer (a row may carry more, e.g. unitId and name). */
export function figuresOf(body: Record<string, unknown>): Figures {
  const f = figures();
  const out = {} as Record<string, unknown>;
  for (const k of Object.keys(f)) out[k] = body[k];
  return out as unknown as Figures;
}
