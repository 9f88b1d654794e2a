import { getMetadataArgsStorage, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import type { ItemStatus } from '@ledger/contracts/events';
import { addDays } from '../dates';
import { select, type Reads, type SqlCondition } from '../db/select';
import { pathUnder, subtreeCondition, unitRow } from '../units/queries';
import { OPEN_BY_DUE_DATE } from '../figures/item-counter.entity';
import { ITEM_SORT_KEYS, OPEN_SQL, OPEN_STATUSES, type ItemFilter, type ItemPage, type ItemSortKey, type ItemView, type Light } from '../views';
import { ItemColumns, ItemRow } from './item.entity';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 200;

export interface OpenItemRef {
  id: string;
  title: string;
  status: ItemStatus;
  dueDate: string;
  cadreId: string;
}

/**
 * The item list's filters on the item's own columns (status, cadre, sheet, due dates, light on `today`),
 * for alias `i` over the live rows and over the versions as of a cut alike. The parameter names are
 * fixed, so that the same filter gives the same SQL text and a cached prepared statement.
 */
export function itemFieldConditions(f: ItemFilter, today: string, dueSoonDays: number): SqlCondition[] {
  const out: SqlCondition[] = [];
  if (f.status?.length) out.push({ sql: 'i.status IN (:...statuses)', params: { statuses: f.status } });
  if (f.cadreId) out.push({ sql: 'i."cadreId" = :cadreId', params: { cadreId: f.cadreId } });
  if (f.sheetId) out.push({ sql: 'i."sheetId" = :sheetId', params: { sheetId: f.sheetId } });
  if (f.dueFrom) out.push({ sql: 'i."dueDate" >= :dueFrom', params: { dueFrom: f.dueFrom } });
  if (f.dueTo) out.push({ sql: 'i."dueDate" <= :dueTo', params: { dueTo: f.dueTo } });
  if (f.light) {
    const params = { lToday: today, lSoon: addDays(today, dueSoonDays) };
    if (f.light === 'red') out.push({ sql: `i.status IN ${OPEN_SQL} AND i."dueDate" < :lToday`, params });
    else if (f.light === 'yellow') out.push({ sql: `i.status IN ${OPEN_SQL} AND i."dueDate" >= :lToday AND i."dueDate" <= :lSoon`, params });
    else out.push({ sql: `(i.status IN ('concluded','struck_off') OR (i.status IN ${OPEN_SQL} AND i."dueDate" > :lSoon))`, params });
  }
  return out;
}

export function whereItemFields<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, f: ItemFilter, today: string, dueSoonDays: number): void {
  for (const c of itemFieldConditions(f, today, dueSoonDays)) qb.andWhere(c.sql, c.params);
}

/** Light of an item for a given county date: computed, never stored. */
export function lightOf(status: ItemStatus, dueDate: string, today: string, dueSoonDays: number): Light | null {
  if (status === 'withdrawn') return null;
  if (!OPEN_STATUSES.includes(status)) return 'green';
  if (dueDate < today) return 'red';
  if (dueDate <= addDays(today, dueSoonDays)) return 'yellow';
  return 'green';
}

/** Columns of the item row the view leaves out: what the fold needs to count right. */
const NOT_SHOWN = ['liveDecisionIds', 'deadlineMissedFor'] as const;
type ShownColumns = Omit<ItemColumns, (typeof NOT_SHOWN)[number]>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/**
 * The view is the item row's columns but NOT_SHOWN, and what depends on today: a column added to
 * ItemColumns must be added to ItemView (libs/contracts) or to NOT_SHOWN, or this does not compile.
 */
export type ItemViewIsTheRow = Assert<Same<ShownColumns & Pick<ItemView, 'light' | 'overdue'>, ItemView>>;

/** The view's stored fields, from the one declaration of the item's columns. */
const SHOWN = [
  'id',
  ...getMetadataArgsStorage()
    .filterColumns(ItemColumns)
    .map((c) => c.propertyName),
].filter((f) => !(NOT_SHOWN as readonly string[]).includes(f)) as (keyof ShownColumns)[];

/** The item view of a row (current, or a version as of a cut): what depends on today is worked out here. */
export function toItemView(row: ItemRow, today: string, dueSoonDays: number): ItemView {
  const view: Record<string, unknown> = {};
  for (const f of SHOWN) view[f] = row[f];
  // SQLite answers booleans as 0/1.
  view.onTime = row.onTime === null || row.onTime === undefined ? null : Boolean(row.onTime);
  view.light = lightOf(row.status, row.dueDate, today, dueSoonDays);
  view.overdue = OPEN_STATUSES.includes(row.status) && row.dueDate < today;
  return view as unknown as ItemView;
}

export async function findItem(r: Reads, id: string, today: string): Promise<ItemView | null> {
  const row = await r.dataSource.getRepository(ItemRow).findOneBy({ id });
  return row ? toItemView(row, today, r.dueSoonDays) : null;
}

export async function listItems(r: Reads, filter: ItemFilter, today: string): Promise<ItemPage> {
  const page = Math.max(1, Math.floor(filter.page ?? 1));
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(filter.pageSize ?? DEFAULT_PAGE_SIZE)));
  const place = await placeOf(r, filter);
  if (!place) return { items: [], total: 0, page, pageSize };
  const { key, desc } = parseSort(filter.sort);
  const dir = desc ? 'DESC' : 'ASC';
  const fields = itemFieldConditions(filter, today, r.dueSoonDays);
  const where = place === ANYWHERE ? fields : [placeCondition(r, place), ...fields];
  const whereSql = where.map((c) => c.sql).join(' AND ') || '1 = 1';
  const params = Object.assign({}, ...where.map((c) => c.params)) as Record<string, unknown>;
  const offset = (page - 1) * pageSize;
  // The page is chosen over the index (sort key, id) first; only its rows are read in full. The total
  // from the counters alongside (a few rows: one wait for both, each a round trip to PostgreSQL).
  const [rows, counted] = await Promise.all([
    select<Record<string, unknown>>(
      r.dataSource,
      `SELECT r.* FROM (${await pageSql(r, place, fields, whereSql, key, dir)}) p JOIN rm_item r ON r.id = p.pid ORDER BY p.pkey ${dir}, p.pid ${dir}`,
      { ...params, limit: pageSize, offset, upTo: offset + pageSize },
    ),
    totalFromCounters(r, filter, today),
  ]);
  // A page that is neither empty nor full is the last one: it tells the total without counting.
  const total =
    rows.length > 0 && rows.length < pageSize
      ? offset + rows.length
      : (counted ?? Number((await select<{ n: unknown }>(r.dataSource, `SELECT COUNT(*) AS n FROM rm_item i WHERE ${whereSql}`, params))[0]?.n ?? 0));
  return { items: rows.map((row) => toItemView(itemRowFromRaw(row), today, r.dueSoonDays)), total, page, pageSize };
}

/**
 * The page's ids and sort keys (`pid`, `pkey`). Walking the whole (sort key, id) index and keeping the
 * rows of the place finds a page fast when the place holds a good share of the items; a county's share
 * of a province is one row in a hundred, and a township's one in a thousand, so that the walk reads a
 * hundred or a thousand rows a row shown (a county's list took 35-54 ms at p95 in the 100-county run).
 * There PostgreSQL takes each unit of the subtree's first rows from its (unit, sort key) index instead
 * and merges them: work in proportion to the subtree, whatever the province's size.
 */
async function pageSql(r: Reads, place: Place, fields: SqlCondition[], whereSql: string, key: ItemSortKey, dir: 'ASC' | 'DESC'): Promise<string> {
  const order = (a: string) => `ORDER BY ${a}."${key}" ${dir}, ${a}.id ${dir}`;
  if (place !== ANYWHERE && place.subtree && r.postgres && (await isSmallShare(r, place.unitId, byUnitsBelow(fields.length > 0)))) {
    const under = pathUnder(r, 'd', place.path, 'place');
    const own = fields.map((c) => ` AND ${c.sql}`).join('');
    return `SELECT x.pid, x.pkey FROM rm_unit d CROSS JOIN LATERAL (
        SELECT i.id AS pid, i."${key}" AS pkey FROM rm_item i WHERE i."unitId" = d.id${own} ${order('i')} LIMIT :upTo) x
      WHERE ${under.sql} ORDER BY x.pkey ${dir}, x.pid ${dir} LIMIT :limit OFFSET :offset`;
  }
  return `SELECT i.id AS pid, i."${key}" AS pkey FROM rm_item i WHERE ${whereSql} ${order('i')} LIMIT :limit OFFSET :offset`;
}

/**
 * Below one item in this many, a subtree's page is found by its units. The whole index's walk reads
 * about 20 × (every item / the subtree's) rows a page, more when a filter on the items' own fields
 * keeps only some; the units' walk about half a row a subtree item. In the 100-county province a
 * county's plain list (a hundredth) was quicker by the walk (p95 18.6 against 30.7 ms), its red list
 * and a township's lists (a thousandth; p95 up to 446 ms by the walk, 7 ms by the units) by the units.
 */
export const byUnitsBelow = (filtered: boolean): number => (filtered ? 20 : 200);

/** The subtree holds under 1 / `divisor` of every item (from the counter rows: two index reads). */
export async function isSmallShare(r: Reads, unitId: string, divisor: number): Promise<boolean> {
  const sum = (owner: string) =>
    `(SELECT COALESCE(SUM(c.count), 0) FROM rm_item_counter c WHERE c."ownerKind" = 'subtree' AND c."dueDate" = '-' AND c."ownerId" ${owner})`;
  const [row] = await select<{ place: unknown; everything: unknown }>(
    r.dataSource,
    `SELECT ${sum('= :unitId')} AS place, ${sum(`IN (SELECT t.id FROM rm_unit t WHERE t."parentId" IS NULL)`)} AS everything`,
    { unitId },
  );
  return Number(row?.place ?? 0) * divisor < Number(row?.everything ?? 0);
}

/** Open items a unit itself handles (a unit with open items may not be dissolved). */
export async function openItemsOfUnit(r: Reads, unitId: string): Promise<OpenItemRef[]> {
  const rows = await r.dataSource
    .getRepository(ItemRow)
    .createQueryBuilder('i')
    .select(['i.id', 'i.title', 'i.status', 'i.dueDate', 'i.cadreId'])
    .where('i.unitId = :unitId', { unitId })
    .andWhere(`i.status IN ${OPEN_SQL}`)
    .orderBy('i.dueDate', 'ASC')
    .getMany();
  return rows.map((i) => ({ id: i.id, title: i.title, status: i.status, dueDate: i.dueDate, cadreId: i.cadreId }));
}

const ANYWHERE = 'anywhere';
/** Where the list's items are handled: one unit, a subtree (by its path), or anywhere. */
type Place = { unitId: string; subtree: false } | { unitId: string; subtree: true; path: string } | typeof ANYWHERE;

/**
 * The narrower of the user's scope (a subtree) and the unit asked for (itself or its subtree): two
 * subtrees of one tree are nested or apart. Null when that is nowhere (an unknown unit, or a unit
 * outside the scope).
 */
async function placeOf(r: Reads, f: ItemFilter): Promise<Place | null> {
  const scope = f.scopeRootUnitId ? await unitRow(r, f.scopeRootUnitId) : null;
  if (f.scopeRootUnitId && !scope) return null;
  if (!f.unitId) return scope ? { unitId: scope.id, subtree: true, path: scope.path } : ANYWHERE;
  const unit = await unitRow(r, f.unitId);
  if (!unit) return null;
  const subtree = f.subtree ?? true;
  if (scope && !unit.path.startsWith(scope.path)) {
    // Apart, or the scope lies inside the unit's subtree: then the scope is the narrower.
    return subtree && scope.path.startsWith(unit.path) ? { unitId: scope.id, subtree: true, path: scope.path } : null;
  }
  return subtree ? { unitId: unit.id, subtree: true, path: unit.path } : { unitId: unit.id, subtree: false };
}

/** The place as a condition over alias `i`. */
function placeCondition(r: Reads, place: Exclude<Place, typeof ANYWHERE>): SqlCondition {
  return place.subtree ? subtreeCondition(r, 'i."unitId"', place.path, 'place') : { sql: `i."unitId" = :place`, params: { place: place.unitId } };
}

/**
 * The list's total from the counter rows, when the filter is one owner's (all items, a unit, a
 * subtree, a cadre) by status or by light; null when it needs the items themselves.
 */
async function totalFromCounters(r: Reads, f: ItemFilter, today: string): Promise<number | null> {
  if (f.sheetId || f.dueFrom || f.dueTo) return null;
  const owners = [f.scopeRootUnitId, f.unitId, f.cadreId].filter((o) => o !== undefined && o !== '');
  if (owners.length > 1) return null;
  const owner: SqlCondition = f.scopeRootUnitId
    ? { sql: `c."ownerKind" = 'subtree' AND c."ownerId" = :owner`, params: { owner: f.scopeRootUnitId } }
    : f.unitId
      ? { sql: `c."ownerKind" = :kind AND c."ownerId" = :owner`, params: { kind: (f.subtree ?? true) ? 'subtree' : 'unit', owner: f.unitId } }
      : f.cadreId
        ? { sql: `c."ownerKind" = 'cadre' AND c."ownerId" = :owner`, params: { owner: f.cadreId } }
        : { sql: `c."ownerKind" = 'subtree' AND c."ownerId" IN (SELECT r.id FROM rm_unit r WHERE r."parentId" IS NULL)`, params: {} };
  const statuses = f.status?.length ? f.status : null;
  let rows: SqlCondition;
  if (!f.light) {
    rows = statuses ? { sql: `c."dueDate" = '-' AND c.status IN (:...statuses)`, params: { statuses } } : { sql: `c."dueDate" = '-'`, params: {} };
  } else {
    // Open rows carry due dates but no status: a status filter must keep every open status.
    if (statuses && (f.light === 'green' || !OPEN_STATUSES.every((s) => statuses.includes(s)))) return null;
    const params = { lToday: today, lSoon: addDays(today, r.dueSoonDays) };
    const open = `c.status = '${OPEN_BY_DUE_DATE}'`;
    rows =
      f.light === 'red'
        ? { sql: `${open} AND c."dueDate" < :lToday`, params }
        : f.light === 'yellow'
          ? { sql: `${open} AND c."dueDate" >= :lToday AND c."dueDate" <= :lSoon`, params }
          : { sql: `((c.status IN ('concluded','struck_off') AND c."dueDate" = '-') OR (${open} AND c."dueDate" > :lSoon))`, params };
  }
  const [n] = await select<{ n: unknown }>(r.dataSource, `SELECT COALESCE(SUM(c.count), 0) AS n FROM rm_item_counter c WHERE ${owner.sql} AND ${rows.sql}`, {
    ...owner.params,
    ...rows.params,
  });
  return Number(n?.n ?? 0);
}

/** A raw rm_item row as the drivers return it, typed as the entity (simple-json decoded). */
function itemRowFromRaw(r: Record<string, unknown>): ItemRow {
  const supportUnitIds = r.supportUnitIds;
  return { ...(r as unknown as ItemRow), supportUnitIds: typeof supportUnitIds === 'string' ? JSON.parse(supportUnitIds) : (supportUnitIds as string[]) };
}

function parseSort(sort: string | undefined): { key: ItemSortKey; desc: boolean } {
  if (!sort) return { key: 'dueDate', desc: false };
  const desc = sort.startsWith('-');
  const key = (desc ? sort.slice(1) : sort) as ItemSortKey;
  return ITEM_SORT_KEYS.includes(key) ? { key, desc } : { key: 'dueDate', desc: false };
}
