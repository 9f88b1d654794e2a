import { normalizeKey } from './cells';
import type { SheetLookup } from './types';

type Unit = SheetLookup['units'][number];
type Cadre = SheetLookup['cadres'][number];

export type Resolution<T> = { ok: true; value: T } | { ok: false; reason: 'unknown' | 'dissolved' | 'left' | 'ambiguous'; count?: number };

function indexBy<T extends { id: string; name: string }>(list: readonly T[]) {
  const byId = new Map<string, T>();
  const byName = new Map<string, T[]>();
  for (const x of list) {
    byId.set(x.id, x);
    const key = normalizeKey(x.name);
    const same = byName.get(key);
    if (same) same.push(x);
    else byName.set(key, [x]);
  }
  return { byId, byName };
}

/**
 * Names as people type them: spaces inside a name (张  三, aligned to three characters) and full-width
 * letters do not matter. An id always wins over a name.
 */
export class Directory {
  private readonly units: ReturnType<typeof indexBy<Unit>>;
  private readonly cadres: ReturnType<typeof indexBy<Cadre>>;

  constructor(lookup: SheetLookup) {
    this.units = indexBy(lookup.units);
    this.cadres = indexBy(lookup.cadres);
  }

  unit(text: string): Resolution<Unit> {
    const byId = this.units.byId.get(text);
    const candidates = byId ? [byId] : (this.units.byName.get(normalizeKey(text)) ?? []);
    if (candidates.length === 0) return { ok: false, reason: 'unknown' };
    // A dissolved unit's name may live on in a newer unit: the living one is meant.
    const living = candidates.filter((u) => !u.dissolved);
    if (living.length === 0) return { ok: false, reason: 'dissolved' };
    if (living.length > 1) return { ok: false, reason: 'ambiguous', count: living.length };
    return { ok: true, value: living[0] };
  }

  /** Several cadres of one name: the one in `unitId` (the row's unit) is meant; none or several there is ambiguous. */
  cadre(text: string, unitId: string | null): Resolution<Cadre> {
    const byId = this.cadres.byId.get(text);
    const candidates = byId ? [byId] : (this.cadres.byName.get(normalizeKey(text)) ?? []);
    if (candidates.length === 0) return { ok: false, reason: 'unknown' };
    const present = candidates.filter((c) => !c.left);
    if (present.length === 0) return { ok: false, reason: 'left' };
    if (present.length === 1) return { ok: true, value: present[0] };
    const inUnit = unitId === null ? [] : present.filter((c) => c.unitId === unitId);
    if (inUnit.length === 1) return { ok: true, value: inUnit[0] };
    return { ok: false, reason: 'ambiguous', count: present.length };
  }
}
