import { ITEM_STATUSES } from '@ledger/contracts/events';
import { addDays } from '../dates';
import { chunks, select, type Reads } from '../db/select';
import { unitRow } from '../units/queries';
import { listCadres } from '../cadres/queries';
import { CadreRow } from '../cadres/cadre.entity';
import { OPEN_SQL, type CadreFilter, type CadreFiguresRow, type Figures, type UnitFiguresRow } from '../views';
import { OPEN_BY_DUE_DATE, type CounterOwnerKind } from './item-counter.entity';
import { figuresOf, sumsFromRaw, ZERO_SUMS, type FigureSums } from './figures';

/** Figures for the unit alone, or rolled up over its subtree. Null for an unknown unit. */
export async function unitFigures(r: Reads, unitId: string, subtree: boolean, today: string): Promise<Figures | null> {
  // Both at once: on PostgreSQL each is a round trip, and on a crowded machine a wait of several ms.
  const [unit, sums] = await Promise.all([unitRow(r, unitId), sumsByOwner(r, subtree ? 'subtree' : 'unit', [unitId], today)]);
  if (!unit) return null;
  return figuresOf(sums.get(unitId) ?? ZERO_SUMS);
}

/**
 * One row per child of the unit, each rolled up over the child's subtree: live children, and
 * dissolved ones only while items are still counted against them. Null for an unknown unit.
 */
export async function childrenFigures(r: Reads, unitId: string, today: string): Promise<UnitFiguresRow[] | null> {
  const f = figuresOver(r, 'u', 'subtree', today);
  const rows = await select<Record<string, unknown>>(
    r.dataSource,
    `SELECT u.id AS "unitId", u.name AS name, u.dissolved AS dissolved, ${f.select} FROM rm_unit u ${f.join}
       WHERE u."parentId" = :parent GROUP BY u.id, u.name, u.dissolved ORDER BY u.name, u.id`,
    { ...f.params, parent: unitId },
  );
  if (rows.length === 0 && !(await unitRow(r, unitId))) return null;
  return rows
    .map((row) => ({ unitId: String(row.unitId), name: String(row.name), dissolved: Boolean(row.dissolved), sums: sumsFromRaw(row) }))
    .filter((c) => !c.dissolved || c.sums.total > 0)
    .map((c) => ({ unitId: c.unitId, name: c.name, ...figuresOf(c.sums) }));
}

/** Figures over the items whose responsible cadre this is. Null for an unknown cadre. */
export async function cadreFigures(r: Reads, cadreId: string, today: string): Promise<Figures | null> {
  const cadre = await r.dataSource.getRepository(CadreRow).findOneBy({ id: cadreId });
  if (!cadre) return null;
  return figuresOf((await sumsByOwner(r, 'cadre', [cadreId], today)).get(cadreId) ?? ZERO_SUMS);
}

/** One row per cadre of the units chosen (serving cadres, and those who left while items remain). */
export async function cadresFigures(r: Reads, filter: CadreFilter, today: string): Promise<CadreFiguresRow[]> {
  const cadres = await listCadres(r, { ...filter, includeLeft: true });
  if (cadres.length === 0) return [];
  const sums = await sumsByOwner(
    r,
    'cadre',
    cadres.map((c) => c.id),
    today,
  );
  return cadres
    .filter((c) => !c.left || (sums.get(c.id)?.total ?? 0) > 0)
    .map((c) => ({ cadreId: c.id, name: c.name, ...figuresOf(sums.get(c.id) ?? ZERO_SUMS) }));
}

/**
 * The sums of `Figures` for each owner `o` (its id in `o.id`), to be grouped by owner: the status
 * rows (dated '-') joined as `c`, and overdue and due soon summed over the open rows of the due
 * dates concerned only, each one range of the counters' primary key.
 */
function figuresOver(r: Reads, o: string, kind: CounterOwnerKind, today: string): { select: string; join: string; params: Record<string, unknown> } {
  const when = (cond: string) => `SUM(CASE WHEN ${cond} THEN c.count ELSE 0 END)`;
  const openRows = (range: string) =>
    `(SELECT SUM(d.count) FROM rm_item_counter d WHERE d."ownerKind" = :fKind AND d."ownerId" = ${o}.id AND d.status = '${OPEN_BY_DUE_DATE}' AND ${range})`;
  const select = [
    `SUM(c.count) AS total`,
    `${when(`c.status IN ${OPEN_SQL}`)} AS open`,
    `${openRows(`d."dueDate" < :fToday`)} AS overdue`,
    `${openRows(`d."dueDate" >= :fToday AND d."dueDate" <= :fSoon`)} AS "dueSoon"`,
    `${when(`c.status = 'reported'`)} AS "awaitingReview"`,
    `${when(`c.status = 'concluded'`)} AS concluded`,
    `${when(`c.status = 'struck_off'`)} AS "struckOff"`,
    `${when(`c.status = 'withdrawn'`)} AS withdrawn`,
    `SUM(c."onTime") AS "onTime"`,
  ].join(', ');
  const join = `LEFT JOIN rm_item_counter c ON c."ownerKind" = :fKind AND c."ownerId" = ${o}.id AND c.status IN (:...fStatuses) AND c."dueDate" = '-'`;
  return { select, join, params: { fKind: kind, fStatuses: ITEM_STATUSES, fToday: today, fSoon: addDays(today, r.dueSoonDays) } };
}

/** Counter sums per owner of one kind (a known unit or cadre). */
async function sumsByOwner(r: Reads, kind: CounterOwnerKind, ownerIds: string[], today: string): Promise<Map<string, FigureSums>> {
  const sums = new Map<string, FigureSums>();
  const f = figuresOver(r, 'o', kind, today);
  for (const chunk of chunks(ownerIds, 500)) {
    const rows = await select<Record<string, unknown>>(
      r.dataSource,
      `SELECT o.id AS "ownerId", ${f.select} FROM ${kind === 'cadre' ? 'rm_cadre' : 'rm_unit'} o ${f.join} WHERE o.id IN (:...owners) GROUP BY o.id`,
      { ...f.params, owners: chunk },
    );
    for (const row of rows) sums.set(String(row.ownerId), sumsFromRaw(row));
  }
  return sums;
}
