import type { Reads } from '../db/select';
import { whereUnitIn } from '../units/queries';
import type { CadreFilter, CadreView } from '../views';
import { CadreRow } from './cadre.entity';

function cadreView(c: CadreRow): CadreView {
  return { id: c.id, name: c.name, unitId: c.unitId, post: c.post, left: Boolean(c.left) };
}

export async function listCadres(r: Reads, filter: CadreFilter = {}): Promise<CadreView[]> {
  const qb = r.dataSource.getRepository(CadreRow).createQueryBuilder('c');
  qb.where('1 = 1');
  if (!filter.includeLeft) qb.andWhere('c.left = :notLeft', { notLeft: false });
  if (filter.unitId) await whereUnitIn(r, qb, 'c."unitId"', filter.unitId, filter.subtree ?? true, 'unit');
  const rows = await qb.orderBy('c.name', 'ASC').addOrderBy('c.id', 'ASC').getMany();
  return rows.map(cadreView);
}

export async function findCadre(r: Reads, id: string): Promise<CadreView | null> {
  const row = await r.dataSource.getRepository(CadreRow).findOneBy({ id });
  return row ? cadreView(row) : null;
}
