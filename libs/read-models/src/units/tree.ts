import type { ProjectedEvent } from '../projected-event';
import type { UnitRow } from './unit.entity';

/**
 * Applies a unit event to the whole tree (units are few: a county has about a thousand) and returns
 * the ids of the rows it changed. A move re-paths the moved unit's subtree.
 */
export function evolveUnitTree(units: Map<string, UnitRow>, e: ProjectedEvent): string[] {
  switch (e.type) {
    case 'UnitRegistered': {
      const d = e.data;
      const parentPath = d.parentId ? (units.get(d.parentId)?.path ?? '/') : '/';
      units.set(d.unitId, { id: d.unitId, name: d.name, kind: d.kind, parentId: d.parentId, path: `${parentPath}${d.unitId}/`, dissolved: false });
      return [d.unitId];
    }
    case 'UnitRenamed': {
      const u = units.get(e.data.unitId);
      if (!u) return [];
      units.set(u.id, { ...u, name: e.data.name });
      return [u.id];
    }
    case 'UnitDissolved': {
      const u = units.get(e.data.unitId);
      if (!u) return [];
      units.set(u.id, { ...u, dissolved: true });
      return [u.id];
    }
    case 'UnitMoved': {
      const u = units.get(e.data.unitId);
      if (!u) return [];
      const oldPath = u.path;
      const newPath = `${units.get(e.data.parentId)?.path ?? '/'}${u.id}/`;
      const changed: string[] = [];
      for (const other of units.values()) {
        if (!other.path.startsWith(oldPath)) continue;
        units.set(other.id, {
          ...other,
          path: newPath + other.path.slice(oldPath.length),
          parentId: other.id === u.id ? e.data.parentId : other.parentId,
        });
        changed.push(other.id);
      }
      return changed;
    }
    default:
      return [];
  }
}
