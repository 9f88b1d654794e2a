import type { ProjectedEvent } from '../projected-event';
import type { CadreRow } from './cadre.entity';

export function evolveCadre(row: CadreRow | null, e: ProjectedEvent): CadreRow | null {
  switch (e.type) {
    case 'CadreRegistered':
      return { id: e.data.cadreId, name: e.data.name, unitId: e.data.unitId, post: e.data.post, left: false };
    case 'CadreTransferred':
      return row && { ...row, unitId: e.data.unitId, post: e.data.post };
    case 'CadreLeft':
      return row && { ...row, left: true };
    default:
      return row;
  }
}
