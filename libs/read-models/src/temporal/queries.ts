import type { DataSource } from 'typeorm';
import type { LedgerConfig } from '@ledger/platform';
import { addDays } from '../dates';
import { figuresOf, ZERO_SUMS, type FigureSums } from '../figures/figures';
import { OPEN_BY_DUE_DATE } from '../figures/item-counter.entity';
import { itemFieldConditions, toItemView, whereItemFields, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../items/queries';
import {
  ITEM_SORT_KEYS,
  OPEN_STATUSES,
  type Figures,
  type ItemFilter,
  type ItemPage,
  type ItemSortKey,
  type ItemView,
  type UnitFiguresRow,
  type UnitView,
} from '../views';
import { CadreVersionRow, ItemFactRow, ItemVersionRow, UnitVersionRow } from './entities';
import { countsAt, type Counts } from './counters';
import { countsRows, cutCte, foldCounts, LAST_CTE, type InstantCut } from './as-of-statement';
import { isPostgres, placeholders } from '../db/sql';
import { readsOf, select, type Reads } from '../db/select';
import { unitCondition } from '../units/queries';
import { temporalCheckpoint } from '../checkpoint/checkpoints';

/**
 * PostgreSQL, in one statement: a subtree root's path `u."path"` as the range of its subtree's paths in byte
 * order ('/a/b/' ≤ path < '/a/b0', as pathUnder), and `u."path"` within such a range CTE (the path index's collation).
 */
const PATH_RANGE = `u."path" AS "lo", left(u."path", -1) || chr(ascii(right(u."path", 1)) + 1) AS "hi"`;
const pathIn = (range: string) => `u."path" COLLATE "C" >= (SELECT "lo" FROM "${range}") AND u."path" COLLATE "C" < (SELECT "hi" FROM "${range}")`;

/** A cut of the log: every event at or before `position`, read on county date `day`. */
export interface LedgerCut {
  position: number;
  day: string;
}

/** A cut by its position, or by its instant (on PostgreSQL looked up in the answer's own statement). */
export type AsOfCut = LedgerCut | InstantCut;

export interface NameAt {
  id: string;
  name: string | null;
}

export interface CadreAt extends NameAt {
  unitId: string | null;
  unitName: string | null;
  post: string | null;
}

/** Inspectors' figures over a period (see TemporalQueries.inspectionFigures). */
export interface InspectionFigures {
  from: string | null;
  to: string | null;
  unitId: string | null;
  cadreId: string | null;
  subtree: boolean;
  /** Items assigned in the period. */
  assigned: number;
  /** Events in the period. */
  returns: number;
  extensions: number;
  urges: number;
  /** Conclusions dated in the period, and what each item took to get there. */
  concluded: number;
  daysToConclusion: { mean: number; median: number; min: number; max: number } | null;
  perConcludedItem: { returns: number; extensions: number; urges: number } | null;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The answers of API.md's queries as the ledger stood at a cut (asOf), over the temporal read
 * models: versions in force at a position, counter changes summed up to it, the tree of that day.
 */
export class TemporalQueries {
  private readonly dueSoonDays: number;
  private readonly postgres: boolean;
  private readonly reads: Reads;

  constructor(
    private readonly dataSource: DataSource,
    config: Pick<LedgerConfig, 'dueSoonDays'>,
  ) {
    this.dueSoonDays = config.dueSoonDays;
    this.postgres = isPostgres(dataSource);
    this.reads = readsOf(dataSource, config);
  }

  /** `?` placeholders, numbered for PostgreSQL. */
  private sql(text: string): string {
    return placeholders(text, this.postgres);
  }

  /** The last position the temporal read models hold. */
  private async lastPosition(): Promise<number> {
    return Number(await temporalCheckpoint(this.dataSource));
  }

  /**
   * The last position whose events were all recorded at or before `instantMs` (0: none). Events
   * count from their watermark (the latest recordedAt up to them), so a cut is always a prefix of the log.
   */
  async positionAt(instantMs: number): Promise<number> {
    const rows: { position: unknown }[] = await this.dataSource.query(
      this.sql(`SELECT "position" FROM "rm_t_mark" WHERE "atMs" <= ? ORDER BY "atMs" DESC LIMIT 1`),
      [instantMs],
    );
    return rows.length ? Number(rows[0].position) : 0;
  }

  // ---- the tree of a day ----

  /** Every unit in force at the cut, by id. */
  async treeAt(position: number): Promise<Map<string, UnitVersionRow>> {
    // Raw: a thousand units hydrated as entities took longer than the figures asked of them.
    const rows: UnitVersionRow[] = await this.dataSource.query(this.sql(`SELECT * FROM "rm_t_unit" WHERE "fromPosition" <= ? AND "toPosition" > ?`), [
      position,
      position,
    ]);
    const out = new Map<string, UnitVersionRow>();
    for (const r of rows) {
      r.fromPosition = Number(r.fromPosition);
      r.toPosition = Number(r.toPosition);
      r.dissolved = Boolean(r.dissolved);
      out.set(r.unitId, r);
    }
    return out;
  }

  async unitsAt(position: number): Promise<UnitView[]> {
    const tree = await this.treeAt(position);
    return [...tree.values()]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((u) => ({ id: u.unitId, name: u.name, kind: u.kind, parentId: u.parentId, path: u.path, dissolved: Boolean(u.dissolved) }));
  }

  /**
   * The versions in force at the cut of the unit and, with `children`, of the units whose parent it
   * was then: an answer about one unit reads its few rows, not the whole tree of the day (a county's
   * 963 units, a province's 96,000).
   */
  private async unitAt(unitId: string, position: number, children = false): Promise<{ unit: UnitVersionRow | null; children: UnitVersionRow[] }> {
    const rows: UnitVersionRow[] = await this.dataSource.query(
      this.sql(
        `SELECT * FROM "rm_t_unit" WHERE ${children ? '("unitId" = ? OR "parentId" = ?)' : '"unitId" = ?'} AND "fromPosition" <= ? AND "toPosition" > ?`,
      ),
      children ? [unitId, unitId, position, position] : [unitId, position, position],
    );
    for (const r of rows) {
      r.fromPosition = Number(r.fromPosition);
      r.toPosition = Number(r.toPosition);
      r.dissolved = Boolean(r.dissolved);
    }
    return { unit: rows.find((r) => r.unitId === unitId) ?? null, children: rows.filter((r) => r.parentId === unitId) };
  }

  /**
   * `i."unitId"` is a unit of the subtree under `rootPath` in the tree at `:p` (the root included):
   * paths compared byte by byte, so the range is exactly the prefix and reads the path index. On
   * PostgreSQL COLLATE "C", as its index: the usual collations ignore punctuation.
   */
  private unitUnder(rootPath: string): { sql: string; params: Record<string, string> } {
    const path = this.postgres ? 'u."path" COLLATE "C"' : 'u."path"';
    return {
      sql: `i."unitId" IN (SELECT u."unitId" FROM "rm_t_unit" u WHERE ${path} >= :underLo AND ${path} < :underHi AND u."fromPosition" <= :p AND u."toPosition" > :p)`,
      params: { underLo: rootPath, underHi: rootPath.slice(0, -1) + String.fromCharCode(rootPath.charCodeAt(rootPath.length - 1) + 1) },
    };
  }

  // ---- items ----

  async item(id: string, cut: LedgerCut): Promise<ItemView | null> {
    const row = await this.dataSource
      .getRepository(ItemVersionRow)
      .createQueryBuilder('v')
      .where('v."itemId" = :id AND v."fromPosition" <= :p AND v."toPosition" > :p', { id, p: cut.position })
      .getOne();
    return row ? toItemView(row, cut.day, this.dueSoonDays) : null;
  }

  /**
   * Items as they stood at the cut: `unitId` + `subtree` over that day's tree; `scopeRootUnitId` (a unit
   * user's subtree as it is now) confines the handling unit of then. The scope is a range over the
   * current tree's paths, not a list of its units: a province committee's subtree (96,301 units in the
   * 100-county province) is more bound values than SQLite (32,766) or PostgreSQL (65,535) accepts.
   */
  async listItems(filter: ItemFilter, asOf: AsOfCut): Promise<ItemPage> {
    const page = Math.max(1, Math.floor(filter.page ?? 1));
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(filter.pageSize ?? DEFAULT_PAGE_SIZE)));
    const empty = { items: [], total: 0, page, pageSize };
    if (this.postgres) return this.listStatement(filter, asOf, page, pageSize);
    const cut = await this.positionOf(asOf);
    // The units of that day's subtree are chosen in the query, from the root's path of then.
    let under: { sql: string; params: Record<string, string> } | null = null;
    let unitIds: string[] | null = null;
    const bounded = Boolean(filter.unitId || filter.scopeRootUnitId);
    const [root, last, scope] = await Promise.all([
      filter.unitId && filter.subtree !== false ? this.unitAt(filter.unitId, cut.position).then((r) => r.unit) : null,
      bounded ? this.lastPosition() : 0,
      filter.scopeRootUnitId ? unitCondition(this.reads, 'i."unitId"', filter.scopeRootUnitId, true, 'scope') : undefined,
    ]);
    if (scope === null) return empty;
    if (filter.unitId) {
      if (filter.subtree === false) unitIds = [filter.unitId];
      else if (!root) return empty;
      else under = this.unitUnder(root.path);
    }
    // Versions in force at p: fromPosition ≤ p < toPosition. By unit, the index that starts the range
    // nearer p is read (a cut late in the history has few versions ending after it, an early one few
    // starting before it); the unary + keeps the other column's index out of the planner's choice.
    const late = bounded ? cut.position * 2 > last : null;
    const build = () => {
      const qb = this.dataSource
        .getRepository(ItemVersionRow)
        .createQueryBuilder('i')
        .where(
          late === null
            ? 'i."fromPosition" <= :p AND i."toPosition" > :p'
            : late
              ? '+i."fromPosition" <= :p AND i."toPosition" > :p'
              : 'i."fromPosition" <= :p AND +i."toPosition" > :p',
          { p: cut.position },
        );
      if (under) qb.andWhere(under.sql, under.params);
      if (scope) qb.andWhere(scope.sql, scope.params);
      if (unitIds) qb.andWhere('i."unitId" IN (:...unitIds)', { unitIds });
      whereItemFields(qb, filter, cut.day, this.dueSoonDays);
      return qb;
    };
    const { key, desc } = parseSort(filter.sort);
    const dir = desc ? 'DESC' : 'ASC';
    // The page's keys and the count in one pass over the index (the count as a window over the matches).
    const keys = await build()
      .select('i.id', 'itemId')
      .addSelect('i.fromPosition', 'fromPosition')
      .addSelect('COUNT(*) OVER ()', 'total')
      .orderBy(`i.${key}`, dir)
      .addOrderBy('i.id', dir)
      .offset((page - 1) * pageSize)
      .limit(pageSize)
      .getRawMany<{ itemId: string; fromPosition: unknown; total: unknown }>();
    const count = keys.length ? { n: Number(keys[0].total) } : page > 1 ? await build().select('COUNT(*)', 'n').getRawOne<{ n: string | number }>() : { n: 0 };
    const rows = keys.length
      ? await this.dataSource
          .getRepository(ItemVersionRow)
          .createQueryBuilder('i')
          .where(`(i."itemId", i."fromPosition") IN (VALUES ${keys.map((_, j) => `(:id${j}, CAST(:from${j} AS bigint))`).join(', ')})`, {
            ...Object.fromEntries(
              keys.flatMap((k, j) => [
                [`id${j}`, k.itemId],
                [`from${j}`, Number(k.fromPosition)],
              ]),
            ),
          })
          .getMany()
      : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return {
      items: keys.map((k) => toItemView(byId.get(k.itemId)!, cut.day, this.dueSoonDays)),
      total: Number(count?.n ?? 0),
      page,
      pageSize,
    };
  }

  /**
   * PostgreSQL: listItems in ONE statement (the instant's position, the root's path of then, the
   * temporal checkpoint, the page's keys, the count, the page's rows), as figuresStatement.
   */
  private async listStatement(filter: ItemFilter, asOf: AsOfCut, page: number, pageSize: number): Promise<ItemPage> {
    const at = cutCte(asOf);
    const ctes = [at.sql];
    const params: Record<string, unknown> = { ...at.params, limit: pageSize, offset: (page - 1) * pageSize };
    const where: string[] = [];
    let unitIds: string[] | null = null;
    if (filter.unitId) {
      if (filter.subtree === false) unitIds = [filter.unitId];
      else {
        // The units of that day's subtree: a byte-order range over the path index from the root's path of then (none if it did not exist).
        ctes.push(`"root" AS (SELECT ${PATH_RANGE} FROM "rm_t_unit" u
          WHERE u."unitId" = :rootId AND u."fromPosition" <= (SELECT "p" FROM "cut") AND u."toPosition" > (SELECT "p" FROM "cut"))`);
        params.rootId = filter.unitId;
        where.push(`i."unitId" IN (SELECT u."unitId" FROM "rm_t_unit" u WHERE ${pathIn('root')}
          AND u."fromPosition" <= (SELECT "p" FROM "cut") AND u."toPosition" > (SELECT "p" FROM "cut"))`);
      }
    }
    if (filter.scopeRootUnitId) {
      // The scope root's subtree as it is now: a byte-order range over the current tree's path index (none if unknown).
      ctes.push(`"scope" AS (SELECT ${PATH_RANGE} FROM "rm_unit" u WHERE u."id" = :scopeRootId)`);
      params.scopeRootId = filter.scopeRootUnitId;
      where.push(`i."unitId" IN (SELECT u."id" FROM "rm_unit" u WHERE ${pathIn('scope')})`);
    }
    if (unitIds) {
      where.push(`i."unitId" IN (:...unitIds)`);
      params.unitIds = unitIds;
    }
    for (const c of itemFieldConditions(filter, asOf.day, this.dueSoonDays)) {
      where.push(c.sql);
      Object.assign(params, c.params);
    }
    const { key, desc } = parseSort(filter.sort);
    const dir = desc ? 'DESC' : 'ASC';
    const matches = (inForce: string) =>
      `SELECT i."itemId" AS "id", i."fromPosition" AS "fp", i."${key}" AS "sk" FROM "rm_t_item" i WHERE ${[inForce, ...where].join(' AND ')}`;
    const p = `(SELECT "p" FROM "cut")`;
    let m: string;
    if (filter.unitId || filter.scopeRootUnitId) {
      // By unit, the index that starts the range nearer p (listItems); p is known only inside the statement,
      // so both ways are written, each behind a one-time filter on the other's negation: one of them runs.
      ctes.push(LAST_CTE.sql, `"lt" AS (SELECT CASE WHEN 2 * ${p} > (SELECT "v" FROM "last") THEN 1 ELSE 0 END AS "late")`);
      Object.assign(params, LAST_CTE.params);
      m = `${matches(`(SELECT "late" FROM "lt") = 1 AND +i."fromPosition" <= ${p} AND i."toPosition" > ${p}`)}
        UNION ALL ${matches(`(SELECT "late" FROM "lt") = 0 AND i."fromPosition" <= ${p} AND +i."toPosition" > ${p}`)}`;
    } else m = matches(`i."fromPosition" <= ${p} AND i."toPosition" > ${p}`);
    ctes.push(`"m" AS (${m})`, `"pick" AS (SELECT "id", "fp", "sk" FROM "m" ORDER BY "sk" ${dir}, "id" ${dir} LIMIT :limit OFFSET :offset)`);
    // One row at least: the count, with the page's rows beside it (none past the last page).
    const rows = await select<Record<string, unknown>>(
      this.dataSource,
      `WITH ${ctes.join(',\n')}
       SELECT v.*, t."n" AS "matched" FROM (SELECT COUNT(*) AS "n" FROM "m") t LEFT JOIN "pick" ON TRUE
       LEFT JOIN "rm_t_item" v ON v."itemId" = "pick"."id" AND v."fromPosition" = "pick"."fp" ORDER BY "pick"."sk" ${dir}, "pick"."id" ${dir}`,
      params,
    );
    return {
      items: rows.filter((r) => r.itemId !== null).map((r) => toItemView(itemVersionFromRaw(r), asOf.day, this.dueSoonDays)),
      total: Number(rows[0]?.matched ?? 0),
      page,
      pageSize,
    };
  }

  // ---- figures ----

  /** The cut's position: given, or looked up from its instant. */
  private async positionOf(cut: AsOfCut): Promise<LedgerCut> {
    return 'position' in cut ? cut : { position: await this.positionAt(cut.instantMs), day: cut.day };
  }

  /** Figures of a unit at the cut (its subtree of that day unless `subtree` is false); null if it did not exist then. */
  async unitFigures(unitId: string, subtree: boolean, asOf: AsOfCut): Promise<Figures | null> {
    if (this.postgres) {
      const at = await this.figuresStatement(unitId, subtree ? 'subtree' : 'unit', false, asOf);
      return at.unit ? figuresOf(at.sums.get(unitId) ?? ZERO_SUMS) : null;
    }
    const cut = await this.positionOf(asOf);
    const [{ unit }, last] = await Promise.all([this.unitAt(unitId, cut.position), this.lastPosition()]);
    if (!unit) return null;
    const sums = await this.sums(subtree ? 'subtree' : 'unit', [unitId], cut, last);
    return figuresOf(sums.get(unitId) ?? ZERO_SUMS);
  }

  /** One row per child of that day (live, or dissolved while items still counted); null if the unit did not exist then. */
  async childrenFigures(unitId: string, asOf: AsOfCut): Promise<UnitFiguresRow[] | null> {
    let at: { unit: Pick<UnitVersionRow, 'name'> | null; children: Pick<UnitVersionRow, 'unitId' | 'name' | 'dissolved'>[] };
    let sums: Map<string, FigureSums>;
    if (this.postgres) ({ sums, ...at } = await this.figuresStatement(unitId, 'subtree', true, asOf));
    else {
      const cut = await this.positionOf(asOf);
      const last = await this.lastPosition();
      at = await this.unitAt(unitId, cut.position, true);
      sums = at.unit
        ? await this.sums(
            'subtree',
            at.children.map((c) => c.unitId),
            cut,
            last,
          )
        : new Map();
    }
    if (!at.unit) return null;
    const children = at.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return children
      .filter((c) => !c.dissolved || (sums.get(c.unitId)?.total ?? 0) > 0)
      .map((c) => ({ unitId: c.unitId, name: c.name, ...figuresOf(sums.get(c.unitId) ?? ZERO_SUMS) }));
  }

  /**
   * PostgreSQL: the unit (with `children`, its children) at the cut and their figures in ONE statement —
   * the instant's position, the unit, the temporal checkpoint, the epochs and their ends, the snapshot,
   * epoch and change rows — each statement being a round trip that waits for a CPU on a busy server.
   */
  private async figuresStatement(
    unitId: string,
    kind: 'unit' | 'subtree',
    children: boolean,
    cut: AsOfCut,
  ): Promise<{
    unit: { unitId: string; name: string; dissolved: boolean } | null;
    children: { unitId: string; name: string; dissolved: boolean }[];
    sums: Map<string, FigureSums>;
  }> {
    const at = cutCte(cut);
    const counts = countsRows(kind, this.postgres);
    const units = `"unit" AS (SELECT u."unitId", u."name", CASE WHEN u."dissolved" THEN 1 ELSE 0 END AS "dissolved" FROM "rm_t_unit" u
      WHERE ${children ? '(u."unitId" = :unitId OR u."parentId" = :unitId)' : 'u."unitId" = :unitId'} AND u."fromPosition" <= (SELECT "p" FROM "cut") AND u."toPosition" > (SELECT "p" FROM "cut"))`;
    const owners = `"owners" AS (SELECT "unitId" AS "id" FROM "unit" WHERE ${children ? '"unitId" <> :unitId' : '"unitId" = :unitId'})`;
    const rows = await select<{ k: string; owner: string | null; counts: string; d: unknown }>(
      this.dataSource,
      `WITH ${[at.sql, LAST_CTE.sql, units, owners, ...counts.ctes].join(',\n')}
       ${[`SELECT 'u' AS "k", "unitId" AS "owner", "name" AS "counts", "dissolved" AS "d" FROM "unit"`, ...counts.rows].join('\nUNION ALL\n')}`,
      { ...at.params, ...LAST_CTE.params, ...counts.params, unitId },
    );
    const found = rows.filter((r) => r.k === 'u').map((r) => ({ unitId: r.owner!, name: r.counts, dissolved: Number(r.d) === 1 }));
    const unit = found.find((u) => u.unitId === unitId) ?? null;
    const asked = found.filter((u) => u.unitId !== unitId);
    const ownerIds = children ? asked.map((u) => u.unitId) : [unitId];
    return { unit, children: asked, sums: unit ? this.figureSums(foldCounts(kind, ownerIds, rows), cut.day) : new Map() };
  }

  /** Counter sums per owner at the cut, open items folded into overdue / due soon for the cut's day. */
  private async sums(kind: 'unit' | 'subtree', owners: string[], cut: LedgerCut, last: number): Promise<Map<string, FigureSums>> {
    const held = Math.max(cut.position, last);
    const counts = await countsAt((sql, params) => this.dataSource.query(sql, params), this.postgres, kind, owners, cut.position, held);
    return this.figureSums(counts, cut.day);
  }

  private figureSums(counts: Map<string, Counts>, day: string): Map<string, FigureSums> {
    const out = new Map<string, FigureSums>();
    const soon = addDays(day, this.dueSoonDays);
    for (const [ownerId, byKey] of counts) {
      const s = { ...ZERO_SUMS };
      for (const [key, [count, onTime]] of byKey) {
        if (count === 0 && onTime === 0) continue;
        const i = key.indexOf('\u0000');
        const status = key.slice(0, i);
        if (status === OPEN_BY_DUE_DATE) {
          const dueDate = key.slice(i + 1);
          if (dueDate < day) s.overdue += count;
          else if (dueDate <= soon) s.dueSoon += count;
          continue;
        }
        s.total += count;
        s.onTime += onTime;
        if ((OPEN_STATUSES as readonly string[]).includes(status)) s.open += count;
        if (status === 'reported') s.awaitingReview += count;
        if (status === 'concluded') s.concluded += count;
        if (status === 'struck_off') s.struckOff += count;
        if (status === 'withdrawn') s.withdrawn += count;
      }
      out.set(ownerId, s);
    }
    return out;
  }

  // ---- names of then ----

  /** Unit names in force at each position asked (id → position → name). */
  async unitNamesAt(asks: { id: string; position: number }[]): Promise<(id: string, position: number) => UnitVersionRow | null> {
    const ids = [...new Set(asks.map((a) => a.id))];
    const rows = ids.length
      ? await this.dataSource.getRepository(UnitVersionRow).createQueryBuilder('u').where('u."unitId" IN (:...ids)', { ids }).getMany()
      : [];
    return versionLookup(rows, (r) => r.unitId);
  }

  async cadresAt(ids: string[]): Promise<(id: string, position: number) => CadreVersionRow | null> {
    const unique = [...new Set(ids)];
    const rows = unique.length
      ? await this.dataSource.getRepository(CadreVersionRow).createQueryBuilder('c').where('c."cadreId" IN (:...ids)', { ids: unique }).getMany()
      : [];
    return versionLookup(rows, (r) => r.cadreId);
  }

  // ---- the inspectors' figures ----

  /**
   * Over a period of county dates (inclusive; open-ended when omitted), for the items handled by a
   * unit (and, with `subtree`, anywhere below it in the tree of the day each fact happened) and/or
   * answered for by a cadre, when each fact happened. `scopeRootUnitId` confines a unit user to its
   * subtree as it is now (the handling unit of then must be in it; a path range, as for listItems).
   */
  async inspectionFigures(f: {
    unitId?: string;
    cadreId?: string;
    subtree: boolean;
    from?: string;
    to?: string;
    scopeRootUnitId?: string;
  }): Promise<InspectionFigures> {
    const qb = this.dataSource.getRepository(ItemFactRow).createQueryBuilder('f').where('1 = 1');
    if (f.from) qb.andWhere('f.day >= :from', { from: f.from });
    if (f.to) qb.andWhere('f.day <= :to', { to: f.to });
    if (f.cadreId) qb.andWhere('f."cadreId" = :cadreId', { cadreId: f.cadreId });
    if (f.unitId) {
      // A path of then lists every ancestor of the handling unit of then: '/C/T1/V1/'.
      if (f.subtree) qb.andWhere(`f."unitPath" LIKE :within ESCAPE '\\'`, { within: `%/${escapeLike(f.unitId)}/%` });
      else qb.andWhere('f."unitId" = :unitId', { unitId: f.unitId });
    }
    if (f.scopeRootUnitId) {
      const scope = await unitCondition(this.reads, 'f."unitId"', f.scopeRootUnitId, true, 'scope');
      qb.andWhere(scope ? scope.sql : '1 = 0', scope?.params ?? {});
    }
    const counts = await qb.clone().select('f.kind', 'kind').addSelect('COUNT(*)', 'n').groupBy('f.kind').getRawMany<{ kind: string; n: unknown }>();
    const n = (k: string) => Number(counts.find((c) => c.kind === k)?.n ?? 0);
    const concluded = await qb.andWhere(`f.kind = 'concluded'`).select(['f.days', 'f.returns', 'f.extensions', 'f.urges']).getMany();
    const days = concluded.map((c) => Number(c.days));
    const mean = (xs: number[]) => round2(xs.reduce((a, b) => a + b, 0) / xs.length);
    return {
      from: f.from ?? null,
      to: f.to ?? null,
      unitId: f.unitId ?? null,
      cadreId: f.cadreId ?? null,
      subtree: f.subtree,
      assigned: n('assigned'),
      returns: n('returned'),
      extensions: n('extended'),
      urges: n('urged'),
      concluded: concluded.length,
      daysToConclusion: days.length ? { mean: mean(days), median: median(days), min: Math.min(...days), max: Math.max(...days) } : null,
      perConcludedItem: concluded.length
        ? {
            returns: mean(concluded.map((c) => c.returns)),
            extensions: mean(concluded.map((c) => c.extensions)),
            urges: mean(concluded.map((c) => c.urges)),
          }
        : null,
    };
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (m) => '\\' + m);
}

function versionLookup<R extends { fromPosition: number; toPosition: number }>(rows: R[], idOf: (r: R) => string): (id: string, position: number) => R | null {
  const byId = new Map<string, R[]>();
  for (const r of rows) byId.set(idOf(r), [...(byId.get(idOf(r)) ?? []), r]);
  return (id, position) => byId.get(id)?.find((r) => r.fromPosition <= position && position < r.toPosition) ?? null;
}

/** A raw rm_t_item row as the driver returns it, as the entity (its key column is itemId; simple-json decoded). */
function itemVersionFromRaw(r: Record<string, unknown>): ItemVersionRow {
  const supportUnitIds = r.supportUnitIds;
  return {
    ...(r as unknown as ItemVersionRow),
    id: r.itemId as string,
    supportUnitIds: typeof supportUnitIds === 'string' ? JSON.parse(supportUnitIds) : (supportUnitIds as string[]),
  };
}

function parseSort(sort: string | undefined): { key: string; desc: boolean } {
  if (!sort) return { key: 'dueDate', desc: false };
  const desc = sort.startsWith('-');
  const key = (desc ? sort.slice(1) : sort) as ItemSortKey;
  return ITEM_SORT_KEYS.includes(key) ? { key, desc } : { key: 'dueDate', desc: false };
}
