import { Brackets, In, type DataSource, type ObjectLiteral, type SelectQueryBuilder, type WhereExpressionBuilder } from 'typeorm';
import type { LedgerConfig } from '@ledger/platform';
import type { ItemStatus } from '@ledger/contracts/events';
import { CheckpointRow, READ_MODELS_CHECKPOINT } from './checkpoint/checkpoint.entity';
import { UnitRow } from './units/unit.entity';
import { CadreRow } from './cadres/cadre.entity';
import { SheetRow } from './sheets/sheet.entity';
import { ItemRow } from './items/item.entity';
import { ItemCounterRow, type CounterOwnerKind } from './figures/item-counter.entity';
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

/**
 * The item list's filters on the item's own columns (status, cadre, sheet, due dates, light on `today`),
 * for alias `i` over the live rows and over the versions as of a cut alike.
 */
export function whereItemFields<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, f: ItemFilter, today: string, dueSoonDays: number): void {
  if (f.status?.length) qb.andWhere('i.status IN (:...statuses)', { statuses: f.status });
  if (f.cadreId) qb.andWhere('i."cadreId" = :cadreId', { cadreId: f.cadreId });
  if (f.sheetId) qb.andWhere('i."sheetId" = :sheetId', { sheetId: f.sheetId });
  if (f.dueFrom) qb.andWhere('i."dueDate" >= :dueFrom', { dueFrom: f.dueFrom });
  if (f.dueTo) qb.andWhere('i."dueDate" <= :dueTo', { dueTo: f.dueTo });
  if (f.light) {
    const params = { lToday: today, lSoon: addDays(today, dueSoonDays) };
    if (f.light === 'red') qb.andWhere(`i.status IN ${OPEN_SQL} AND i."dueDate" < :lToday`, params);
    else if (f.light === 'yellow') qb.andWhere(`i.status IN ${OPEN_SQL} AND i."dueDate" >= :lToday AND i."dueDate" <= :lSoon`, params);
    else
      qb.andWhere(
        new Brackets((b) =>
          b.where(`i.status IN ('concluded','struck_off')`).orWhere(`i.status IN ${OPEN_SQL} AND i."dueDate" > :lSoon`, params),
        ),
      );
  }
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

let paramSeq = 0;
/** Unique parameter names: several subtree conditions may share one query. */
function param(base: string): string {
  paramSeq = (paramSeq + 1) % 1_000_000;
  return `${base}_${paramSeq}`;
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
    this.postgres = dataSource.options.type === 'postgres';
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
    const qb = this.dataSource.getRepository(UnitRow).createQueryBuilder('u');
    this.wherePathUnder(qb, 'u', root.path);
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
    if (filter.unitId) await this.whereUnitIn(qb, 'c."unitId"', filter.unitId, filter.subtree ?? true);
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
    const build = async () => {
      const qb = this.dataSource.getRepository(ItemRow).createQueryBuilder('i').where('1 = 1');
      await this.applyItemFilter(qb, filter, today);
      return qb;
    };
    const { key, desc } = parseSort(filter.sort);
    const idsQb = (await build())
      .select('i.id', 'id')
      .orderBy(`i.${key}`, desc ? 'DESC' : 'ASC')
      .addOrderBy('i.id', desc ? 'DESC' : 'ASC')
      .offset((page - 1) * pageSize)
      .limit(pageSize);
    const countQb = (await build()).select('COUNT(*)', 'n');
    // Page over ids first (an index can cover it), then read only the page's rows.
    const [ids, count] = await Promise.all([idsQb.getRawMany<{ id: string }>(), countQb.getRawOne<{ n: string | number }>()]);
    const rows = ids.length ? await this.dataSource.getRepository(ItemRow).findBy({ id: In(ids.map((r) => r.id)) }) : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return {
      items: ids.map((r) => byId.get(r.id)).filter((r): r is ItemRow => !!r).map((r) => toItemView(r, today, this.dueSoonDays)),
      total: Number(count?.n ?? 0),
      page,
      pageSize,
    };
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
    const raw = await this.sumsQuery(subtree ? 'subtree' : 'unit', today)
      .andWhere('c."ownerId" = :owner', { owner: unitId })
      .getRawOne<Record<string, unknown>>();
    return figuresOf(raw ? sumsFromRaw(raw) : ZERO_SUMS);
  }

  /**
   * One row per child of the unit, each rolled up over the child's subtree: live children, and
   * dissolved ones only while items are still counted against them. Null for an unknown unit.
   */
  async childrenFigures(unitId: string, today: string): Promise<UnitFiguresRow[] | null> {
    if (!(await this.unitRow(unitId))) return null;
    const children = await this.dataSource.getRepository(UnitRow).find({ where: { parentId: unitId }, order: { name: 'ASC' } });
    const sums = new Map<string, FigureSums>();
    for (const chunk of chunks(children.map((c) => c.id), 500)) {
      const rows = await this.sumsQuery('subtree', today)
        .addSelect('c."ownerId"', 'ownerId')
        .andWhere('c."ownerId" IN (:...owners)', { owners: chunk })
        .groupBy('c."ownerId"')
        .getRawMany<Record<string, unknown>>();
      for (const r of rows) sums.set(String(r.ownerId), sumsFromRaw(r));
    }
    return children
      .filter((c) => !c.dissolved || (sums.get(c.id)?.total ?? 0) > 0)
      .map((c) => ({ unitId: c.id, name: c.name, ...figuresOf(sums.get(c.id) ?? ZERO_SUMS) }));
  }

  /** Figures over the items whose responsible cadre this is. Null for an unknown cadre. */
  async cadreFigures(cadreId: string, today: string): Promise<Figures | null> {
    const cadre = await this.dataSource.getRepository(CadreRow).findOneBy({ id: cadreId });
    if (!cadre) return null;
    const raw = await this.sumsQuery('cadre', today)
      .andWhere('c."ownerId" = :owner', { owner: cadreId })
      .getRawOne<Record<string, unknown>>();
    return figuresOf(raw ? sumsFromRaw(raw) : ZERO_SUMS);
  }

  /** One row per cadre of the units chosen (serving cadres, and those who left while items remain). */
  async cadresFigures(filter: CadreFilter, today: string): Promise<CadreFiguresRow[]> {
    const cadres = await this.cadres({ ...filter, includeLeft: true });
    if (cadres.length === 0) return [];
    const sums = new Map<string, FigureSums>();
    for (const chunk of chunks(cadres.map((c) => c.id), 500)) {
      const rows = await this.sumsQuery('cadre', today)
        .addSelect('c."ownerId"', 'ownerId')
        .andWhere('c."ownerId" IN (:...owners)', { owners: chunk })
        .groupBy('c."ownerId"')
        .getRawMany<Record<string, unknown>>();
      for (const r of rows) sums.set(String(r.ownerId), sumsFromRaw(r));
    }
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
      await this.whereUnitIn(items, 'si."unitId"', filter.scopeRootUnitId, true);
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
  async checkpoint(): Promise<bigint> {
    const rows: { position: string }[] = await this.dataSource.query(
      `SELECT position FROM rm_checkpoint WHERE name = ${this.postgres ? '$1' : '?'}`,
      [READ_MODELS_CHECKPOINT],
    );
    return rows.length ? BigInt(rows[0].position) : 0n;
  }

  /** Resolves true once the read models include `position`, false after `timeoutMs`. */
  async waitForPosition(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 50)) {
      if ((await this.checkpoint()) >= position) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((r) => setTimeout(r, Math.min(pause, left)));
    }
  }

  /** `minPosition` of every query: waits, then throws ReadModelsBehindError (503 + Retry-After). */
  async ensurePosition(position: bigint | null | undefined, timeoutMs = 5000): Promise<void> {
    if (position === null || position === undefined || position <= 0n) return;
    if (await this.waitForPosition(position, timeoutMs)) return;
    throw new ReadModelsBehindError(position, await this.checkpoint());
  }

  // ---- helpers ----

  private unitRow(id: string): Promise<UnitRow | null> {
    return this.dataSource.getRepository(UnitRow).findOneBy({ id });
  }

  /** `alias.path` within the subtree whose root path is `rootPath` (root itself included). */
  private wherePathUnder(qb: WhereExpressionBuilder, alias: string, rootPath: string, and = false): void {
    const add = (sql: string, params: Record<string, unknown>) => (and ? qb.andWhere(sql, params) : qb.where(sql, params));
    if (this.postgres) {
      // PostgreSQL's default collations ignore punctuation, so a range over '/' is unsafe there.
      const p = param('pfx');
      add(`${alias}.path LIKE :${p} ESCAPE '\\'`, { [p]: rootPath.replace(/[\\%_]/g, (m) => '\\' + m) + '%' });
    } else {
      // SQLite compares BINARY: '/a/b/' ≤ path < '/a/b0' is exactly the prefix, and uses the index.
      const lo = param('lo');
      const hi = param('hi');
      add(`${alias}.path >= :${lo} AND ${alias}.path < :${hi}`, {
        [lo]: rootPath,
        [hi]: rootPath.slice(0, -1) + String.fromCharCode(rootPath.charCodeAt(rootPath.length - 1) + 1),
      });
    }
  }

  /** `column` is `unitId`, or any unit of its subtree. */
  private async whereUnitIn(
    qb: SelectQueryBuilder<any>,
    column: string,
    unitId: string,
    subtree: boolean,
  ): Promise<void> {
    if (!subtree) {
      const p = param('unit');
      qb.andWhere(`${column} = :${p}`, { [p]: unitId });
      return;
    }
    const root = await this.unitRow(unitId);
    if (!root) {
      qb.andWhere('1 = 0');
      return;
    }
    const sub = this.dataSource.getRepository(UnitRow).createQueryBuilder(param('su')).select('1');
    const alias = sub.alias;
    sub.select(`${alias}.id`);
    this.wherePathUnder(sub, alias, root.path);
    qb.andWhere(`${column} IN (${sub.getQuery()})`, sub.getParameters());
  }

  private async applyItemFilter(qb: SelectQueryBuilder<ItemRow>, f: ItemFilter, today: string): Promise<void> {
    if (f.scopeRootUnitId) await this.whereUnitIn(qb, 'i."unitId"', f.scopeRootUnitId, true);
    if (f.unitId) await this.whereUnitIn(qb, 'i."unitId"', f.unitId, f.subtree ?? true);
    whereItemFields(qb, f, today, this.dueSoonDays);
  }

  /** SUMs over counter rows of one owner kind, with the today-dependent buckets. */
  private sumsQuery(kind: CounterOwnerKind, today: string): SelectQueryBuilder<ItemCounterRow> {
    const soon = addDays(today, this.dueSoonDays);
    const when = (cond: string) => `SUM(CASE WHEN ${cond} THEN c.count ELSE 0 END)`;
    return this.dataSource
      .getRepository(ItemCounterRow)
      .createQueryBuilder('c')
      .select(when(`c."dueDate" = '-'`), 'total')
      .addSelect(when(`c.status IN ${OPEN_SQL}`), 'open')
      .addSelect(when(`c.status = 'open' AND c."dueDate" < :fToday`), 'overdue')
      .addSelect(when(`c.status = 'open' AND c."dueDate" >= :fToday AND c."dueDate" <= :fSoon`), 'dueSoon')
      .addSelect(when(`c.status = 'reported'`), 'awaitingReview')
      .addSelect(when(`c.status = 'concluded'`), 'concluded')
      .addSelect(when(`c.status = 'struck_off'`), 'struckOff')
      .addSelect(when(`c.status = 'withdrawn'`), 'withdrawn')
      .addSelect('SUM(c."onTime")', 'onTime')
      .where('c."ownerKind" = :kind', { kind, fToday: today, fSoon: soon });
  }
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
