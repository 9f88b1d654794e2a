import type { Reads } from '../db/select';
import { whereUnitIn } from '../units/queries';
import { ItemRow } from '../items/item.entity';
import type { AccountabilityEntry, RegisterFilter } from '../views';
import { AccountabilityDecisionRow } from './accountability-decision.entity';

/** The accountability register (问责台账): decisions by date, revoked ones marked. */
export async function registerEntries(r: Reads, filter: RegisterFilter = {}): Promise<AccountabilityEntry[]> {
  const qb = r.dataSource.getRepository(AccountabilityDecisionRow).createQueryBuilder('a').where('1 = 1');
  if (filter.targetKind) qb.andWhere('a."targetKind" = :tk', { tk: filter.targetKind });
  if (filter.targetId) qb.andWhere('a."targetId" = :tid', { tid: filter.targetId });
  if (filter.form) qb.andWhere('a.form = :form', { form: filter.form });
  if (filter.from) qb.andWhere('a."decidedOn" >= :from', { from: filter.from });
  if (filter.to) qb.andWhere('a."decidedOn" <= :to', { to: filter.to });
  if (filter.scopeRootUnitId) {
    const items = r.dataSource.getRepository(ItemRow).createQueryBuilder('si').select('si.id');
    await whereUnitIn(r, items, 'si."unitId"', filter.scopeRootUnitId, true, 'scope');
    qb.andWhere(`a."itemId" IN (${items.getQuery()})`, items.getParameters());
  }
  const rows = await qb.orderBy('a.decidedOn', 'ASC').addOrderBy('a.decisionId', 'ASC').getMany();
  return rows.map((a) => ({
    itemId: a.itemId,
    decisionId: a.decisionId,
    target: { kind: a.targetKind, id: a.targetId },
    form: a.form,
    dispositionForm: a.dispositionForm,
    decidedBy: a.decidedBy,
    decidedOn: a.decidedOn,
    documentNo: a.documentNo,
    effectMonths: a.effectMonths,
    revoked: Boolean(a.revoked),
  }));
}
