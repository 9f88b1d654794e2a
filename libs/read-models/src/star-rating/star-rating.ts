import type { DataSource } from 'typeorm';
import { ItemRow } from '../items/item.entity';
import { UnitRow } from '../units/unit.entity';
import { AccountabilityDecisionRow } from '../register/accountability-decision.entity';
import { ensureStarFactTable, STAR_FACT_TABLE, type StarFactKind } from './project';
import { scoreBranch, type BranchScore, type BranchTally, type StarRatingRules } from './rules';
import { isPostgres } from '../db/sql';

export interface StarRatingQuery {
  /** County dates, inclusive. */
  from: string;
  to: string;
  /** The subtree whose branches are rated (a branch itself rates just that branch). */
  rootUnitId: string;
  /** Today's county date: an item counts as due only once its due date has passed (or it is closed). */
  today: string;
}

export interface StarRatingRow extends BranchTally, BranchScore {
  unitId: string;
  name: string;
  /** The township (or other parent) the branch belongs to. */
  parentName: string | null;
  onTimeRate: number;
}

const ZERO: BranchTally = { dueItems: 0, onTimeItems: 0, deadlinesMissed: 0, returns: 0, accountabilityDecisions: 0 };

/**
 * 星级化考核: one row per village/community branch (kind `branch`, not dissolved) under the root,
 * tallied over the items its subtree handles now, best score first. Null for an unknown root.
 */
export async function starRating(ds: DataSource, q: StarRatingQuery, rules: StarRatingRules): Promise<StarRatingRow[] | null> {
  const units = await ds.getRepository(UnitRow).find();
  const byId = new Map(units.map((u) => [u.id, u]));
  const root = byId.get(q.rootUnitId);
  if (!root) return null;
  // Each unit's branch: itself when it is one, else its nearest branch ancestor (a party group's).
  const branchOf = new Map<string, string>();
  for (const u of units) {
    for (let cur: UnitRow | undefined = u, depth = 0; cur && depth < 64; cur = cur.parentId ? byId.get(cur.parentId) : undefined, depth++) {
      if (cur.kind === 'branch') {
        branchOf.set(u.id, cur.id);
        break;
      }
    }
  }
  const branches = units.filter((u) => u.kind === 'branch' && !u.dissolved && u.path.startsWith(root.path));
  const tallies = new Map<string, BranchTally>(branches.map((b) => [b.id, { ...ZERO }]));
  const add = (unitId: string, key: keyof BranchTally, n: number) => {
    const t = tallies.get(branchOf.get(unitId) ?? '');
    if (t) t[key] += n;
  };

  const due = await ds
    .getRepository(ItemRow)
    .createQueryBuilder('i')
    .select('i."unitId"', 'unitId')
    .addSelect('COUNT(*)', 'due')
    .addSelect(`SUM(CASE WHEN i."onTime" = :yes THEN 1 ELSE 0 END)`, 'onTime')
    .where('i."dueDate" >= :from AND i."dueDate" <= :to', { from: q.from, to: q.to, yes: true })
    .andWhere(`i.status <> 'withdrawn'`)
    .andWhere(`(i."dueDate" < :today OR i.status IN ('concluded','struck_off'))`, { today: q.today })
    .groupBy('i."unitId"')
    .getRawMany<{ unitId: string; due: string | number; onTime: string | number | null }>();
  for (const r of due) {
    add(r.unitId, 'dueItems', Number(r.due));
    add(r.unitId, 'onTimeItems', Number(r.onTime ?? 0));
  }

  await ensureStarFactTable(ds.manager);
  const pg = isPostgres(ds);
  const [p1, p2] = pg ? ['$1', '$2'] : ['?', '?'];
  const facts: Array<{ unitId: string; kind: StarFactKind; n: string | number }> = await ds.query(
    `SELECT i."unitId" AS "unitId", f.kind AS kind, COUNT(*) AS n FROM "${STAR_FACT_TABLE}" f JOIN "rm_item" i ON i.id = f."itemId" ` +
      `WHERE f."on" >= ${p1} AND f."on" <= ${p2} AND i.status <> 'withdrawn' GROUP BY i."unitId", f.kind`,
    [q.from, q.to],
  );
  for (const r of facts) add(r.unitId, r.kind === 'returned' ? 'returns' : 'deadlinesMissed', Number(r.n));

  const decisions = await ds
    .getRepository(AccountabilityDecisionRow)
    .createQueryBuilder('a')
    .innerJoin(ItemRow, 'i', 'i.id = a."itemId"')
    .select('i."unitId"', 'unitId')
    .addSelect('COUNT(*)', 'n')
    .where('a."decidedOn" >= :from AND a."decidedOn" <= :to', { from: q.from, to: q.to })
    .andWhere('a.revoked = :no', { no: false })
    .groupBy('i."unitId"')
    .getRawMany<{ unitId: string; n: string | number }>();
  for (const r of decisions) add(r.unitId, 'accountabilityDecisions', Number(r.n));

  return branches
    .map((b) => {
      const t = tallies.get(b.id)!;
      const parent = b.parentId ? byId.get(b.parentId) : undefined;
      return {
        unitId: b.id,
        name: b.name,
        parentName: parent?.name ?? null,
        ...t,
        onTimeRate: t.dueItems === 0 ? 1 : t.onTimeItems / t.dueItems,
        ...scoreBranch(t, rules),
      };
    })
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name, 'zh-CN'));
}
