import { type DataSource, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import type { LedgerConfig } from '@ledger/platform';
import { ITEM_STATUSES, type ItemStatus } from '@ledger/contracts/events';
import { currentStateCheckpoint, pollUntil } from './checkpoint/checkpoints';
import { UnitRow } from './units/unit.entity';
import { CadreRow } from './cadres/cadre.entity';
import { SheetRow } from './sheets/sheet.entity';
import { ItemRow } from './items/item.entity';
import { OPEN_BY_DUE_DATE, type CounterOwnerKind } from './figures/item-counter.entity';
import { AccountabilityDecisionRow } from './register/accountability-decision.entity';
import { figuresOf, sumsFromRaw, ZERO_SUMS, type FigureSums } from './figures/figures';
import { addDays } from './dates';
import { ReadModelsBehindError } from './errors';
import {
  ITEM_SORT_KEYS,
  OPEN_STATUSES,
  type AccountabilityEntry,
  type CadreFilter,
  type CadreFiguresRow,
  type CadreView,
  type Figures,
  type ItemFilter,
  type ItemPage,
  type ItemSortKey,
  type ItemView,
  type Light,
  type RegisterFilter,
  type SheetView,
  type UnitFiguresRow,
  type UnitView,
} from './views';
import { isPostgres } from './db/sql';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 200;

export interface OpenItemRef {
  id: string;
  title: string;
  status: ItemStatus;
  dueDate: string;
  cadreId: string;
}

const OPEN_SQL = `('assigned','in_progress','reported')`;

/** A condition over alias `i`, with named parameters (`:name`, `:...list`). */
export interface SqlCondition {
  sql: string;
  params: Record<string, unknown>;
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

export function toItemView(row: ItemRow, today: string, dueSoonDays: number): ItemView {
  const open = OPEN_STATUSES.includes(row.status);
  return {
    id: row.id,
    sheetId: row.sheetId,
    title: row.title,
    requirements: row.requirements,
    unitId: row.unitId,
    supportUnitIds: row.supportUnitIds,
    cadreId: row.cadreId,
    leaderId: row.leaderId,
    status: row.status,
    light: lightOf(row.status, row.dueDate, today, dueSoonDays),
    overdue: open && row.dueDate < today,
    dueDate: row.dueDate,
    originalDueDate: row.originalDueDate,
    concludedOn: row.concludedOn,
    onTime: row.onTime === null || row.onTime === undefined ? null : Boolean(row.onTime),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    revision: row.revision,
    position: row.position,
    urgeLevel: row.urgeLevel,
    accountabilityCount: row.accountabilityCount,
  };
}

function unitView(u: UnitRow): UnitView {
  return { id: u.id, name: u.name, kind: u.kind, parentId: u.parentId, path: u.path, dissolved: Boolean(u.dissolved) };
}

function cadreView(c: CadreRow): CadreView {
  return { id: c.id, name: c.name, unitId: c.unitId, post: c.post, left: Boolean(c.left) };
}

/**
 * The answers of API.md's queries, over the read models. Lights, overdue and due-soon are worked out
 * here from `today`, so they are right on any day without re-projecting.
 */
export class ReadQueries {
  private readonly dueSoonDays: number;
  private readonly postgres: boolean;

  constructor(
    /** Public for the temporal queries (issue 5), which read the same database. */
    readonly dataSource: DataSource,
    config: Pick<LedgerConfig, 'dueSoonDays'>,
  ) {
    this.dueSoonDays = config.dueSoonDays;
    this.postgres = isPostgres(dataSource);
  }

  // ---- the unit tree ----

  async units(): Promise<UnitView[]> {
    const rows = await this.dataSource.getRepository(UnitRow).find({ order: { path: 'ASC' } });
    return rows.map(unitView);
  }

  /** The unit and all its descendants (empty when the unit is unknown). */
  async unitsOf(subtreeRootId: string): Promise<UnitView[]> {
    const root = await this.unitRow(subtreeRootId);
    if (!root) return [];
    const under = this.pathUnder('u', root.path, 'root');
    const qb = this.dataSource.getRepository(UnitRow).createQueryBuilder('u').where(under.sql, under.params);
    const rows = await qb.orderBy('u.path', 'ASC').getMany();
    return rows.map(unitView);
  }

  /** True when `unitId` is `ancestorId` or below it. Unknown ids: false. */
  async isInSubtree(unitId: string, ancestorId: string): Promise<boolean> {
    if (unitId === ancestorId) return (await this.unitRow(unitId)) !== null;
    const [unit, ancestor] = await Promise.all([this.unitRow(unitId), this.unitRow(ancestorId)]);
    return !!unit && !!ancestor && unit.path.startsWith(ancestor.path);
  }

  async unit(id: string): Promise<UnitView | null> {
    const row = await this.unitRow(id);
    return row ? unitView(row) : null;
  }

  async liveChildren(unitId: string): Promise<UnitView[]> {
    const rows = await this.dataSource
      .getRepository(UnitRow)
      .find({ where: { parentId: unitId, dissolved: false }, order: { name: 'ASC' } });
    return rows.map(unitView);
  }

  // ---- cadres and sheets ----

  async cadres(filter: CadreFilter = {}): Promise<CadreView[]> {
    const qb = this.dataSource.getRepository(CadreRow).createQueryBuilder('c');
    qb.where('1 = 1');
    if (!filter.includeLeft) qb.andWhere('c.left = :notLeft', { notLeft: false });
    if (filter.unitId) await this.whereUnitIn(qb, 'c."unitId"', filter.unitId, filter.subtree ?? true, 'unit');
    const rows = await qb.orderBy('c.name', 'ASC').addOrderBy('c.id', 'ASC').getMany();
    return rows.map(cadreView);
  }

  async cadre(id: string): Promise<CadreView | null> {
    const row = await this.dataSource.getRepository(CadreRow).findOneBy({ id });
    return row ? cadreView(row) : null;
  }

  /** Every assignment sheet (交办单), newest first: the county's sheets are few (tens a year). */
  async sheets(): Promise<SheetView[]> {
    const rows = await this.dataSource.getRepository(SheetRow).find({ order: { issuedOn: 'DESC', number: 'ASC' } });
    return rows.map((row) => ({ id: row.id, number: row.number, title: row.title, source: row.source, issuedOn: row.issuedOn }));
  }

  async sheet(id: string): Promise<SheetView | null> {
    const row = await this.dataSource.getRepository(SheetRow).findOneBy({ id });
    return row ? { id: row.id, number: row.number, title: row.title, source: row.source, issuedOn: row.issuedOn } : null;
  }

  // ---- items ----

  async item(id: string, today: string): Promise<ItemView | null> {
    const row = await this.dataSource.getRepository(ItemRow).findOneBy({ id });
    return row ? toItemView(row, today, this.dueSoonDays) : null;
  }

  async listItems(filter: ItemFilter, today: string): Promise<ItemPage> {
    const page = Math.max(1, Math.floor(filter.page ?? 1));
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(filter.pageSize ?? DEFAULT_PAGE_SIZE)));
    const where = await this.itemConditions(filter, today);
    if (!where) return { items: [], total: 0, page, pageSize };
    const { key, desc } = parseSort(filter.sort);
    const dir = desc ? 'DESC' : 'ASC';
    const whereSql = where.map((c) => c.sql).join(' AND ') || '1 = 1';
    const params = Object.assign({}, ...where.map((c) => c.params)) as Record<string, unknown>;
    // The page is chosen over the index (sort key, id) first; only its rows are read in full.
    const rows = await this.select<Record<string, unknown>>(
      `SELECT r.* FROM (SELECT i.id AS pid, i."${key}" AS pkey FROM rm_item i WHERE ${whereSql} ORDER BY i."${key}" ${dir}, i.id ${dir} LIMIT :limit OFFSET :offset) p
       JOIN rm_item r ON r.id = p.pid ORDER BY p.pkey ${dir}, p.pid ${dir}`,
      { ...params, limit: pageSize, offset: (page - 1) * pageSize },
    );
    const offset = (page - 1) * pageSize;
    // A page that is neither empty nor full is the last one: it tells the total without counting.
    const total =
      rows.length > 0 && rows.length < pageSize
        ? offset + rows.length
        : ((await this.totalFromCounters(filter, today)) ??
          Number((await this.select<{ n: unknown }>(`SELECT COUNT(*) AS n FROM rm_item i WHERE ${whereSql}`, params))[0]?.n ?? 0));
    return { items: rows.map((r) => toItemView(itemRowFromRaw(r), today, this.dueSoonDays)), total, page, pageSize };
  }

  /** Open items a unit itself handles (a unit with open items may not be dissolved). */
  async openItemsOfUnit(unitId: string): Promise<OpenItemRef[]> {
    return this.dataSource
      .getRepository(ItemRow)
      .createQueryBuilder('i')
      .select(['i.id', 'i.title', 'i.status', 'i.dueDate', 'i.cadreId'])
      .where('i.unitId = :unitId', { unitId })
      .andWhere(`i.status IN ${OPEN_SQL}`)
      .orderBy('i.dueDate', 'ASC')
      .getMany()
      .then((rows) => rows.map((r) => ({ id: r.id, title: r.title, status: r.status, dueDate: r.dueDate, cadreId: r.cadreId })));
  }

  // ---- figures ----

  /** Figures for the unit alone, or rolled up over its subtree. Null for an unknown unit. */
  async unitFigures(unitId: string, subtree: boolean, today: string): Promise<Figures | null> {
    if (!(await this.unitRow(unitId))) return null;
    return figuresOf((await this.sumsByOwner(subtree ? 'subtree' : 'unit', [unitId], today)).get(unitId) ?? ZERO_SUMS);
  }

  /**
   * One row per child of the unit, each rolled up over the child's subtree: live children, and
   * dissolved ones only while items are still counted against them. Null for an unknown unit.
   */
  async childrenFigures(unitId: string, today: string): Promise<UnitFiguresRow[] | null> {
    const f = this.figuresOver('u', 'subtree', today);
    const rows = await this.select<Record<string, unknown>>(
      `SELECT u.id AS "unitId", u.name AS name, u.dissolved AS dissolved, ${f.select} FROM rm_unit u ${f.join}
       WHERE u."parentId" = :parent GROUP BY u.id, u.name, u.dissolved ORDER BY u.name, u.id`,
      { ...f.params, parent: unitId },
    );
    if (rows.length === 0 && !(await this.unitRow(unitId))) return null;
    return rows
      .map((r) => ({ unitId: String(r.unitId), name: String(r.name), dissolved: Boolean(r.dissolved), sums: sumsFromRaw(r) }))
      .filter((c) => !c.dissolved || c.sums.total > 0)
      .map((c) => ({ unitId: c.unitId, name: c.name, ...figuresOf(c.sums) }));
  }

  /** Figures over the items whose responsible cadre this is. Null for an unknown cadre. */
  async cadreFigures(cadreId: string, today: string): Promise<Figures | null> {
    const cadre = await this.dataSource.getRepository(CadreRow).findOneBy({ id: cadreId });
    if (!cadre) return null;
    return figuresOf((await this.sumsByOwner('cadre', [cadreId], today)).get(cadreId) ?? ZERO_SUMS);
  }

  /** One row per cadre of the units chosen (serving cadres, and those who left while items remain). */
  async cadresFigures(filter: CadreFilter, today: string): Promise<CadreFiguresRow[]> {
    const cadres = await this.cadres({ ...filter, includeLeft: true });
    if (cadres.length === 0) return [];
    const sums = await this.sumsByOwner('cadre', cadres.map((c) => c.id), today);
    return cadres
      .filter((c) => !c.left || (sums.get(c.id)?.total ?? 0) > 0)
      .map((c) => ({ cadreId: c.id, name: c.name, ...figuresOf(sums.get(c.id) ?? ZERO_SUMS) }));
  }

  // ---- accountability register (问责台账) ----

  async register(filter: RegisterFilter = {}): Promise<AccountabilityEntry[]> {
    const qb = this.dataSource.getRepository(AccountabilityDecisionRow).createQueryBuilder('a').where('1 = 1');
    if (filter.targetKind) qb.andWhere('a."targetKind" = :tk', { tk: filter.targetKind });
    if (filter.targetId) qb.andWhere('a."targetId" = :tid', { tid: filter.targetId });
    if (filter.form) qb.andWhere('a.form = :form', { form: filter.form });
    if (filter.from) qb.andWhere('a."decidedOn" >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('a."decidedOn" <= :to', { to: filter.to });
    if (filter.scopeRootUnitId) {
      const items = this.dataSource.getRepository(ItemRow).createQueryBuilder('si').select('si.id');
      await this.whereUnitIn(items, 'si."unitId"', filter.scopeRootUnitId, true, 'scope');
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

  // ---- consistency with the store ----

  /** The last event position the read models include (0n: none). */
  checkpoint(): Promise<bigint> {
    return currentStateCheckpoint(this.dataSource);
  }

  /** Resolves true once the read models include `position`, false after `timeoutMs`. */
  waitForPosition(position: bigint, timeoutMs: number): Promise<boolean> {
    return pollUntil(async () => (await this.checkpoint()) >= position, timeoutMs);
  }

  /** `minPosition` of every query: waits, then throws ReadModelsBehindError (503 + Retry-After). */
  async ensurePosition(position: bigint | null | undefined, timeoutMs = 5000): Promise<void> {
    if (position === null || position === undefined || position <= 0n) return;
    if (await this.waitForPosition(position, timeoutMs)) return;
    throw new ReadModelsBehindError(position, await this.checkpoint());
  }

  // ---- helpers ----

  /** Raw SQL with named parameters (`:name`, `:...list`), for SQLite and PostgreSQL alike. */
  private select<T>(sql: string, params: Record<string, unknown>): Promise<T[]> {
    const [text, values] = this.dataSource.driver.escapeQueryWithParameters(sql, params);
    return this.dataSource.query(text, values);
  }

  private async unitRow(id: string): Promise<UnitRow | null> {
    const rows = await this.select<UnitRow>(`SELECT u.id, u.name, u.kind, u."parentId", u.path, u.dissolved FROM rm_unit u WHERE u.id = :id`, { id });
    return rows[0] ?? null;
  }

  /**
   * `alias.path` within the subtree whose root path is `rootPath` (root itself included). `name`
   * keeps the parameter names of one condition apart from another's in the same query.
   */
  private pathUnder(alias: string, rootPath: string, name: string): SqlCondition {
    if (this.postgres) {
      // PostgreSQL's default collations ignore punctuation, so a range over '/' is unsafe there.
      return { sql: `${alias}.path LIKE :${name}Pfx ESCAPE '\\'`, params: { [`${name}Pfx`]: rootPath.replace(/[\\%_]/g, (m) => '\\' + m) + '%' } };
    }
    // SQLite compares BINARY: '/a/b/' ≤ path < '/a/b0' is exactly the prefix, and uses the index.
    return {
      sql: `${alias}.path >= :${name}Lo AND ${alias}.path < :${name}Hi`,
      params: {
        [`${name}Lo`]: rootPath,
        [`${name}Hi`]: rootPath.slice(0, -1) + String.fromCharCode(rootPath.charCodeAt(rootPath.length - 1) + 1),
      },
    };
  }

  /** `column` is `unitId`, or any unit of its subtree; null when the subtree's root is unknown. */
  private async unitCondition(column: string, unitId: string, subtree: boolean, name: string): Promise<SqlCondition | null> {
    if (!subtree) return { sql: `${column} = :${name}`, params: { [name]: unitId } };
    const root = await this.unitRow(unitId);
    if (!root) return null;
    const under = this.pathUnder(`${name}U`, root.path, name);
    return { sql: `${column} IN (SELECT ${name}U.id FROM rm_unit ${name}U WHERE ${under.sql})`, params: under.params };
  }

  private async whereUnitIn(qb: SelectQueryBuilder<any>, column: string, unitId: string, subtree: boolean, name: string): Promise<void> {
    const c = await this.unitCondition(column, unitId, subtree, name);
    qb.andWhere(c ? c.sql : '1 = 0', c?.params ?? {});
  }

  /** The list's conditions over alias `i`; null when they can match nothing (an unknown subtree). */
  private async itemConditions(f: ItemFilter, today: string): Promise<SqlCondition[] | null> {
    const out: SqlCondition[] = [];
    for (const [unitId, subtree, name] of [
      [f.scopeRootUnitId, true, 'scope'],
      [f.unitId, f.subtree ?? true, 'unit'],
    ] as const) {
      if (!unitId) continue;
      const c = await this.unitCondition('i."unitId"', unitId, subtree, name);
      if (!c) return null;
      out.push(c);
    }
    return [...out, ...itemFieldConditions(f, today, this.dueSoonDays)];
  }

  /**
   * The list's total from the counter rows, when the filter is one owner's (all items, a unit, a
   * subtree, a cadre) by status or by light; null when it needs the items themselves.
   */
  private async totalFromCounters(f: ItemFilter, today: string): Promise<number | null> {
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
      rows = statuses
        ? { sql: `c."dueDate" = '-' AND c.status IN (:...statuses)`, params: { statuses } }
        : { sql: `c."dueDate" = '-'`, params: {} };
    } else {
      // Open rows carry due dates but no status: a status filter must keep every open status.
      if (statuses && (f.light === 'green' || !OPEN_STATUSES.every((s) => statuses.includes(s)))) return null;
      const params = { lToday: today, lSoon: addDays(today, this.dueSoonDays) };
      const open = `c.status = '${OPEN_BY_DUE_DATE}'`;
      rows =
        f.light === 'red'
          ? { sql: `${open} AND c."dueDate" < :lToday`, params }
          : f.light === 'yellow'
            ? { sql: `${open} AND c."dueDate" >= :lToday AND c."dueDate" <= :lSoon`, params }
            : { sql: `((c.status IN ('concluded','struck_off') AND c."dueDate" = '-') OR (${open} AND c."dueDate" > :lSoon))`, params };
    }
    const [r] = await this.select<{ n: unknown }>(`SELECT COALESCE(SUM(c.count), 0) AS n FROM rm_item_counter c WHERE ${owner.sql} AND ${rows.sql}`, {
      ...owner.params,
      ...rows.params,
    });
    return Number(r?.n ?? 0);
  }

  /**
   * The sums of `Figures` for each owner `o` (its id in `o.id`), to be grouped by owner: the status
   * rows (dated '-') joined as `c`, and overdue and due soon summed over the open rows of the due
   * dates concerned only, each one range of the counters' primary key.
   */
  private figuresOver(o: string, kind: CounterOwnerKind, today: string): { select: string; join: string; params: Record<string, unknown> } {
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
    return { select, join, params: { fKind: kind, fStatuses: ITEM_STATUSES, fToday: today, fSoon: addDays(today, this.dueSoonDays) } };
  }

  /** Counter sums per owner of one kind (a known unit or cadre). */
  private async sumsByOwner(kind: CounterOwnerKind, ownerIds: string[], today: string): Promise<Map<string, FigureSums>> {
    const sums = new Map<string, FigureSums>();
    const f = this.figuresOver('o', kind, today);
    for (const chunk of chunks(ownerIds, 500)) {
      const rows = await this.select<Record<string, unknown>>(
        `SELECT o.id AS "ownerId", ${f.select} FROM ${kind === 'cadre' ? 'rm_cadre' : 'rm_unit'} o ${f.join} WHERE o.id IN (:...owners) GROUP BY o.id`,
        { ...f.params, owners: chunk },
      );
      for (const r of rows) sums.set(String(r.ownerId), sumsFromRaw(r));
    }
    return sums;
  }
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

function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
