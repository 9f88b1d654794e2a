import { emptyFigures, type Figures } from '@ledger/contracts/http/views';

export type { Figures };

/** API.md's `Figures`, spelled out by the story: every count not named is 0. */
export function figures(counts: Partial<Figures> = {}): Figures {
  return { ...emptyFigures(), ...counts };
}

/** Only the API.md fields of a figures answer (a row may carry more, e.g. unitId and name). */
export function figuresOf(body: Record<string, unknown>): Figures {
  const f = figures();
  const out = {} as Record<string, unknown>;
  for (const k of Object.keys(f)) out[k] = body[k];
  return out as unknown as Figures;
}
