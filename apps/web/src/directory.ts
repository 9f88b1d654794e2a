import { reactive } from 'vue';
import { get, type CadreView, type UnitView } from './api';

/** Names of units and cadres (the API's `/units` and `/cadres`), to label ids on screen. */
export const directory = reactive({
  units: new Map<string, UnitView>(),
  cadres: new Map<string, CadreView>(),
  loaded: false,
});

let pending: Promise<void> | null = null;
export function loadDirectory(force = false): Promise<void> {
  if (directory.loaded && !force) return Promise.resolve();
  if (!pending) {
    pending = (async () => {
      const [units, cadres] = await Promise.all([get<UnitView[]>('/units'), get<CadreView[]>('/cadres').catch(() => [] as CadreView[])]);
      directory.units = new Map(units.map((u) => [u.id, u]));
      directory.cadres = new Map(cadres.map((c) => [c.id, c]));
      directory.loaded = true;
    })().finally(() => {
      pending = null;
    });
  }
  return pending;
}

export function unitName(id: string | null | undefined): string {
  if (!id) return '—';
  return directory.units.get(id)?.name ?? id;
}
export function cadreName(id: string | null | undefined): string {
  if (!id) return '—';
  return directory.cadres.get(id)?.name ?? id;
}

/** The root of the tree the signed-in user sees: the county committee (or, for a unit user, its own unit). */
export function rootUnitId(scopeUnitId: string | null): string | null {
  if (scopeUnitId) return scopeUnitId;
  for (const u of directory.units.values()) if (!u.parentId && !u.dissolved) return u.id;
  return null;
}

/** The chain of ancestors of a unit, root first (for breadcrumbs). */
export function ancestry(id: string): UnitView[] {
  const chain: UnitView[] = [];
  let cur = directory.units.get(id);
  const seen = new Set<string>();
  while (cur && !seen.has(cur.id)) {
    chain.unshift(cur);
    seen.add(cur.id);
    cur = cur.parentId ? directory.units.get(cur.parentId) : undefined;
  }
  return chain;
}
