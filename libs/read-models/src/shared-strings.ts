/**
 * Each event's payload is parsed afresh, so a row held in memory for long keeps its own copy of every
 * id, date, instant and text it shares with other rows (the sheet, the unit, the cadre, the instant
 * of an append that issued a whole sheet). Rows held by the thousand share one copy of each instead:
 * at 1,000,000 events that was 41 of the 102 MB a rebuild's temporal pass kept alive, and about 45 of
 * the 150 MB its current-state fold held at the end.
 */
const INTERNED_LIMIT = 100_000;
const interned = new Map<string, string>();

function intern(s: string | null): string | null {
  if (s === null) return s;
  const known = interned.get(s);
  if (known !== undefined) return known;
  if (interned.size >= INTERNED_LIMIT) interned.clear();
  interned.set(s, s);
  return s;
}

/**
 * Swaps `row`'s string `fields` for the copies already held; a field the row shares with `previous`
 * (the same row before the event, whose strings were swapped then) is left as it is.
 */
export function shareStrings<R extends object, F extends keyof R>(row: R, fields: readonly F[], previous?: R | null): R {
  const values = row as unknown as Record<F, string | null>;
  const before = previous as unknown as Record<F, string | null> | null | undefined;
  for (const f of fields) {
    const v = values[f];
    if (before && v === before[f]) continue;
    values[f] = intern(v);
  }
  return row;
}
