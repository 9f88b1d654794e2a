import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ProjectedEvent } from '../projected-event';
import { ITEM_SHARED_FIELDS, type ItemRow } from '../items/item.entity';
import type { UnitRow } from '../units/unit.entity';
import type { CadreRow } from '../cadres/cadre.entity';
import { evolveItem } from '../items/evolve';
import { evolveUnitTree } from '../units/tree';
import { evolveCadre } from '../cadres/evolve';
import type { AccountRow } from '../accounts/account.entity';
import { ACCOUNT_VIEW_EVENTS, evolveAccountRow } from '../accounts/evolve';
import { CounterDeltas, idsOnPath, type CounterDelta } from '../figures/counters';
import { countyDateOf } from '../dates';
import { AccountVersionRow, CadreVersionRow, ItemFactRow, ItemVersionRow, OPEN_END, TimeMarkRow, UnitVersionRow, type ItemFactKind } from './entities';
import { sqliteConnection } from '../db/sqlite-connection';
import { writeRows } from '../db/write-rows';
import { CounterLog, countsAt, openEpochOf, ownerKey, packItemChange, tuplesOf, type Counts, type Query } from './counters';
import { copyInto, copyRows } from '../db/copy-rows';
import { isPostgres, placeholders } from '../db/sql';
import { shareStrings } from '../shared-strings';
import { WriteBatch } from '../db/write-batch';
import type { BatchStart } from '../checkpoint/checkpoints';

const READ_CHUNK = 500;
const CLOSE_CHUNK = 500;
const MS_PER_DAY = 86_400_000;

/** Calendar days from one county date to another. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / MS_PER_DAY);
}

/**
 * Versions of one kind touched by a batch: the version in force per id, the versions opened by the
 * batch (inserted once, with the end they have after it) and the stored versions it closes (only
 * their `toPosition` is written).
 */
class Versions<R extends { fromPosition: number; toPosition: number }> {
  readonly opened = new Map<string, R>();
  readonly closed = new Map<string, { id: string; fromPosition: number; toPosition: number }>();
  constructor(
    private readonly idOf: (r: R) => string,
    /** The versions in force: a cached map is changed in place (the cache is not trusted until the batch is done). */
    readonly current = new Map<string, R>(),
  ) {}

  load(rows: R[]): void {
    for (const r of rows) this.current.set(this.idOf(r), r);
  }
  /** Closes the version in force at `position` and opens `next` there. */
  open(id: string, next: R): void {
    const before = this.current.get(id);
    if (before) {
      const key = `${id}\u0000${before.fromPosition}`;
      const mine = this.opened.get(key);
      if (mine) mine.toPosition = next.fromPosition;
      else this.closed.set(key, { id, fromPosition: before.fromPosition, toPosition: next.fromPosition });
    }
    this.current.set(id, next);
    this.opened.set(`${id}\u0000${next.fromPosition}`, next);
  }
}

async function currentVersions<R extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<R>, key: string, ids: Set<string>): Promise<R[]> {
  const out: R[] = [];
  const all = [...ids];
  for (let i = 0; i < all.length; i += READ_CHUNK) {
    out.push(
      ...(await em
        .getRepository(entity)
        .createQueryBuilder('v')
        .where(`v."${key}" IN (:...ids)`, { ids: all.slice(i, i + READ_CHUNK) })
        .andWhere('v."toPosition" = :open', { open: OPEN_END })
        .getMany()),
    );
  }
  return out;
}

/**
 * The open versions of these items, read raw. On SQLite the newest version of each, one seek at the
 * end of its primary-key range (a filter on the end reads every version's row to test it).
 */
async function currentItemVersions(em: EntityManager, ids: Set<string>): Promise<ItemVersionRow[]> {
  const raw: ItemVersionRow[] = [];
  // Each column under its property's name (the id is stored as "itemId").
  const columns = em.connection
    .getMetadata(ItemVersionRow)
    .columns.map((c) => (c.databaseName === c.propertyName ? `"${c.databaseName}"` : `"${c.databaseName}" AS "${c.propertyName}"`))
    .join(', ');
  const db = sqliteConnection(em);
  if (db) {
    const newest = db.prepare(`SELECT ${columns} FROM "rm_t_item" WHERE "itemId" = ? ORDER BY "fromPosition" DESC LIMIT 1`);
    for (const id of ids) {
      const r = newest.get(id) as ItemVersionRow | undefined;
      if (r) raw.push(r);
    }
  } else {
    const all = [...ids];
    for (let i = 0; i < all.length; i += READ_CHUNK) {
      const chunk = all.slice(i, i + READ_CHUNK);
      raw.push(
        ...(await em.query(
          placeholders(`SELECT ${columns} FROM "rm_t_item" WHERE "itemId" IN (${chunk.map(() => '?').join(',')}) AND "toPosition" = ?`, isPostgres(em)),
          [...chunk, OPEN_END],
        )),
      );
    }
  }
  for (const r of raw) {
    r.fromPosition = Number(r.fromPosition);
    r.toPosition = Number(r.toPosition);
    r.onTime = r.onTime === null || r.onTime === undefined ? null : Boolean(r.onTime);
    if (typeof r.supportUnitIds === 'string') r.supportUnitIds = JSON.parse(r.supportUnitIds);
  }
  return raw;
}

/** Whether an item's counters (unit and subtree owners) change: cadre owners are not kept here. */
function changesCounters(before: ItemRow | null, after: ItemRow): boolean {
  return (
    !before ||
    before.status !== after.status ||
    before.dueDate !== after.dueDate ||
    before.unitId !== after.unitId ||
    Boolean(before.onTime) !== Boolean(after.onTime)
  );
}

const FACT_OF: Partial<Record<ProjectedEvent['type'], ItemFactKind>> = {
  ItemAssigned: 'assigned',
  CompletionReturned: 'returned',
  ExtensionGranted: 'extended',
  ItemUrged: 'urged',
  ItemConcluded: 'concluded',
};

/** What an account version does not keep (only the current account view has it). */
const ACCOUNT_ROW_REST = { phone: null, mustChangePassword: false, lockedUntil: null, openedAt: '', updatedAt: '', revision: 0 };
const VERSIONED_ACCOUNT_FIELDS = ['login', 'name', 'unitId', 'roles', 'rank', 'status'] as const;

export interface TemporalOptions {
  /**
   * A rebuild's batch (empty tables at its start, fenced, run once per event): the rows it opens are
   * inserted without ON CONFLICT (COPY on PostgreSQL; one already there fails the batch), and the
   * unit counters a move carries come from memory, kept since position 0 with the version cache.
   */
  bulk?: boolean;
  /**
   * A live batch's writes, left pending here for the caller to send with its own (the checkpoint);
   * without it they are sent before applyTemporal returns. Not for a rebuild's batch (`bulk`).
   */
  writes?: WriteBatch;
  /** The newest mark and epochs, read by the caller in this transaction before anything was written (readBatchStart). */
  start?: Pick<BatchStart, 'mark' | 'epochs'>;
}

/**
 * The temporal read models after a batch, inside the projector's transaction (with the checkpoint):
 * new versions of units, cadres and items at each event's position, counter changes per event, the
 * inspectors' facts, and the instant → position marks. Reads only its own tables.
 */
export async function applyTemporal(em: EntityManager, events: ProjectedEvent[], options: TemporalOptions = {}): Promise<void> {
  if (events.length === 0) return;
  const top: { atMs: unknown; position: unknown }[] = options.start
    ? options.start.mark
      ? [options.start.mark]
      : []
    : await em.query(`SELECT "atMs", "position" FROM "rm_t_mark" ORDER BY "atMs" DESC LIMIT 1`);
  let watermark = top.length ? Number(top[0].atMs) : 0;
  // Marks grow with the log: the newest is the last position the temporal models hold.
  const lastBefore = top.length ? Number(top[0].position) : 0;

  const cadreIds = new Set<string>();
  const itemIds = new Set<string>();
  const accountIds = new Set<string>();
  for (const e of events) {
    const d = e.data as unknown as Record<string, unknown>;
    if (ACCOUNT_VIEW_EVENTS.has(e.type)) accountIds.add(String(d.accountId));
    if (e.type.startsWith('Cadre')) cadreIds.add(String(d.cadreId));
    else if (typeof d.itemId === 'string') itemIds.add(d.itemId);
  }
  const cache = openVersionCache(em, lastBefore, options.bulk ?? false);
  // The whole tree (a county has about a thousand units, a province a hundred times as many): taken
  // from the cache as it is, not copied per batch.
  const units = new Versions<UnitVersionRow>((r) => r.unitId, cache.units ?? undefined);
  if (!cache.units) units.load(await em.getRepository(UnitVersionRow).find({ where: { toPosition: OPEN_END } }));
  const cadres = new Versions<CadreVersionRow>((r) => r.cadreId);
  cadres.load(await currentVersions(em, CadreVersionRow, 'cadreId', cadreIds));
  const accounts = new Versions<AccountVersionRow>((r) => r.accountId);
  accounts.load(await currentVersions(em, AccountVersionRow, 'accountId', accountIds));
  const items = new Versions<ItemVersionRow>((r) => r.id);
  const missing = new Set<string>();
  for (const id of itemIds) {
    const cached = cache.items.get(id);
    if (cached) items.current.set(id, cached);
    else missing.add(id);
  }
  // A cache held since the models were empty, never trimmed, has every item: one it lacks has no version yet.
  items.load(cache.complete ? [] : await currentItemVersions(em, missing));

  // The tree as rows, for the unit events of the batch only: every unit's path is its version's in force.
  let rows: Map<string, UnitRow> | null = null;
  const unitTree = () => {
    if (!rows) {
      rows = new Map();
      for (const [id, v] of units.current)
        rows.set(id, { id, name: v.name, kind: v.kind, parentId: v.parentId, path: v.path, dissolved: Boolean(v.dissolved) });
    }
    return rows;
  };
  const pathOf = (unitId: string) => units.current.get(unitId)?.path;
  const subtreesOf = (unitId: string) => idsOnPath(pathOf(unitId));

  const pg = isPostgres(em);
  const bulk = options.bulk ?? false;
  // A live batch's writes go out together, in as few statements as their order allows; a read sends
  // what is pending first, so that it sees it (the counters read back change rows on a move).
  const writes = bulk ? null : (options.writes ?? new WriteBatch(em));
  const query: Query = writes
    ? async (sql, params = []) => {
        if (/^(INSERT|UPDATE|DELETE) /.test(sql)) return writes.write(sql, params);
        await writes.flush();
        return em.query(sql, params);
      }
    : (sql, params) => em.query(sql, params);
  const counters = new CounterLog(query, pg, lastBefore, {
    insert: bulk && pg ? (table, columns, rows) => copyInto(em, table, columns, rows) : undefined,
    unitTotals: cache.unitTotals ?? undefined,
    open: options.start ? openEpochOf(options.start.epochs) : undefined,
  });
  const insertOpened = <R extends ObjectLiteral>(m: EntityManager, entity: EntityTarget<R>, rows: R[]) =>
    writes ? writeRows(m, entity, rows, writes) : copyRows(m, entity, rows);
  const facts: ItemFactRow[] = [];
  const marks = new Map<number, number>();
  let fromAt = new Date(watermark).toISOString();

  for (const e of events) {
    const position = Number(e.position);
    counters.event(position);
    const at = Math.max(watermark, Date.parse(e.recordedAt));
    // One string per instant, not per event: the events of one append share it, and the cache holds it.
    if (at !== watermark) fromAt = new Date(at).toISOString();
    watermark = at;
    marks.set(watermark, position);

    if (e.type === 'UnitRegistered' || e.type === 'UnitRenamed' || e.type === 'UnitMoved' || e.type === 'UnitDissolved') {
      const tree = unitTree();
      // Only a move re-paths units already there (its subtree); any other unit event changes its own row
      // at most. Copying every path per event made a province's 96,000 registrations quadratic.
      const prior = tree.get(String(e.data.unitId));
      const before = e.type === 'UnitMoved' ? new Map([...tree].map(([id, u]) => [id, u.path])) : new Map(prior ? [[prior.id, prior.path]] : []);
      const changed = evolveUnitTree(tree, e);
      for (const id of changed) {
        const u = tree.get(id)!;
        units.open(id, {
          unitId: id,
          fromPosition: position,
          toPosition: OPEN_END,
          fromAt,
          name: u.name,
          kind: u.kind,
          parentId: u.parentId,
          path: u.path,
          dissolved: u.dissolved,
        });
      }
      const repathed = changed.filter((id) => before.has(id) && before.get(id) !== tree.get(id)!.path);
      if (repathed.length) {
        // The moved units' own counters as they stood just before: kept in memory (a rebuild), or written
        // first, then read back. Positions only increase (they may have gaps), so "as of position − 1"
        // is the log up to the event before.
        let own: Map<string, Counts>;
        if (counters.inMemory) own = counters.unitCountsAt(repathed);
        else {
          await counters.flush(position - 1);
          own = await countsAt(query, pg, 'unit', repathed, position - 1, position - 1);
        }
        counters.add(position, moveOwnCounters(own, before, tree));
      }
    } else if (e.type === 'CadreRegistered' || e.type === 'CadreTransferred' || e.type === 'CadreLeft') {
      const id = e.data.cadreId;
      const prior = cadres.current.get(id);
      const row: CadreRow | null = prior ? { id, name: prior.name, unitId: prior.unitId, post: prior.post, left: Boolean(prior.left) } : null;
      const next = evolveCadre(row, e);
      if (next && next !== row)
        cadres.open(id, {
          cadreId: id,
          fromPosition: position,
          toPosition: OPEN_END,
          fromAt,
          name: next.name,
          unitId: next.unitId,
          post: next.post,
          left: next.left,
        });
    } else if (ACCOUNT_VIEW_EVENTS.has(e.type)) {
      const id = (e.data as { accountId: string }).accountId;
      const prior = accounts.current.get(id);
      const row: AccountRow | null = prior
        ? { ...ACCOUNT_ROW_REST, id, login: prior.login, name: prior.name, unitId: prior.unitId, roles: prior.roles, rank: prior.rank, status: prior.status }
        : null;
      const next = evolveAccountRow(row, e);
      // A version per change of what an as-of question asks (roles, unit, status, names); a password set is none.
      if (next && (!prior || VERSIONED_ACCOUNT_FIELDS.some((f) => JSON.stringify(next[f]) !== JSON.stringify(prior[f])))) {
        accounts.open(id, {
          accountId: id,
          fromPosition: position,
          toPosition: OPEN_END,
          fromAt,
          login: next.login,
          name: next.name,
          unitId: next.unitId,
          roles: next.roles,
          rank: next.rank,
          status: next.status,
        });
      }
    } else if ('itemId' in e.data) {
      const id = e.data.itemId;
      const prior = items.current.get(id) ?? null;
      // A version is an item row: evolveItem folds it as one and answers a new object (or the same
      // one: nothing changed), which becomes the next version once it has its own fields.
      const after = evolveItem(prior, e);
      if (!after || after === prior) continue;
      const next = after as ItemVersionRow;
      next.fromPosition = position;
      next.toPosition = OPEN_END;
      next.fromAt = fromAt;
      next.assignedOn = prior?.assignedOn ?? countyDateOf(e.recordedAt);
      next.returns = (prior?.returns ?? 0) + (e.type === 'CompletionReturned' ? 1 : 0);
      next.extensions = (prior?.extensions ?? 0) + (e.type === 'ExtensionGranted' ? 1 : 0);
      next.urges = (prior?.urges ?? 0) + (e.type === 'ItemUrged' ? 1 : 0);
      items.open(id, next);
      if (changesCounters(prior, after)) {
        if (!prior || prior.unitId === after.unitId) {
          const packed = packItemChange(prior, after, [ownerKey('unit', after.unitId), ...subtreesOf(after.unitId).map((u) => ownerKey('subtree', u))]);
          if (packed !== null) counters.addPacked(position, packed);
        } else {
          const deltas = new CounterDeltas();
          deltas.change(prior, after, subtreesOf);
          counters.add(position, deltas.values());
        }
      }
      const kind = FACT_OF[e.type];
      if (kind) {
        const concluded = e.type === 'ItemConcluded';
        const day = concluded ? e.data.concludedOn : countyDateOf(e.recordedAt);
        facts.push({
          position,
          itemId: id,
          kind,
          day,
          unitId: next.unitId,
          unitPath: pathOf(next.unitId) ?? `/${next.unitId}/`,
          cadreId: next.cadreId,
          days: concluded ? daysBetween(next.assignedOn, day) : null,
          returns: next.returns,
          extensions: next.extensions,
          urges: next.urges,
        });
      }
    }
  }

  for (const [entity, versions, key] of [
    [UnitVersionRow, units, 'unitId'],
    [CadreVersionRow, cadres, 'cadreId'],
    [ItemVersionRow, items, 'itemId'],
    [AccountVersionRow, accounts, 'accountId'],
  ] as const) {
    await closeVersions(em, entity, key, [...versions.closed.values()], writes);
    await insertOpened(em, entity as EntityTarget<ObjectLiteral>, [...versions.opened.values()]);
  }
  await insertOpened(em, ItemFactRow, facts);
  await writeRows(
    em,
    TimeMarkRow,
    [...marks].map(([atMs, position]) => ({ atMs, position })),
    writes ?? undefined,
  );
  const lastAfter = Math.max(lastBefore, ...marks.values());
  await counters.flush(lastAfter);
  if (writes && !options.writes) await writes.flush();
  rememberVersions(em, cache, lastAfter, items.current, units.current);
}

/**
 * The open unit versions (the whole tree) and item versions as the last batch left them, per
 * database, trusted only while the temporal models still end where that batch ended: a batch rolled
 * back, another process's batches or a rebuild start elsewhere and empty it. Spares a read of the tree
 * per batch and of every item a batch touches (the largest read of a rebuild); the items bounded (50,000: about 720 MB of rebuild RSS at 200,000, and the live projector keeps its cache as long as it runs).
 */
const VERSION_CACHE_LIMIT = 50_000;

interface VersionCache {
  /** The last position of the batch that left it; -1 while a batch that took it runs (it changes unitTotals in place). */
  through: number;
  units: Map<string, UnitVersionRow> | null;
  items: Map<string, ItemVersionRow>;
  /** Begun on empty models and never trimmed: it holds every item's open version. */
  complete: boolean;
  /** A rebuild's (begun on empty models): every unit owner's counters up to `through` (CounterLog). */
  unitTotals: Map<string, Counts> | null;
}

const VERSION_SHARED_FIELDS = [...ITEM_SHARED_FIELDS, 'assignedOn', 'fromAt'] as const satisfies readonly (keyof ItemVersionRow)[];

const versionCaches = new WeakMap<object, VersionCache>();
const cacheLimits = new WeakMap<object, number>();

/**
 * A rebuild's temporal pass keeps up to `limit` open item versions on its connection, more than the
 * live bound (its fold is let go by then, and each version read back was most of the pass: ~60 µs a
 * seek into a table the size of the log); without a limit the live bound is back and the cache goes.
 */
export function holdItemVersions(connection: object, limit?: number): void {
  if (limit !== undefined) cacheLimits.set(connection, limit);
  else {
    cacheLimits.delete(connection);
    versionCaches.delete(connection);
  }
}

function openVersionCache(em: EntityManager, lastBefore: number, bulk: boolean): VersionCache {
  const cache = versionCaches.get(em.connection);
  if (cache && cache.through === lastBefore) {
    // Not trusted again until this batch has written everything (a batch that fails leaves it so).
    cache.through = -1;
    if (!bulk) cache.unitTotals = null;
    return cache;
  }
  versionCaches.delete(em.connection);
  return { through: -1, units: null, items: new Map(), complete: lastBefore === 0, unitTotals: bulk && lastBefore === 0 ? new Map() : null };
}

function rememberVersions(
  em: EntityManager,
  cache: VersionCache,
  lastAfter: number,
  items: Map<string, ItemVersionRow>,
  units: Map<string, UnitVersionRow>,
): void {
  // Least recently touched out first (a Map keeps insertion order): items come back in spells of a
  // few events, and clearing the whole cache when full missed most of them.
  for (const [id, v] of items) {
    cache.items.delete(id);
    cache.items.set(id, shareStrings(v, VERSION_SHARED_FIELDS));
  }
  let over = cache.items.size - (cacheLimits.get(em.connection) ?? VERSION_CACHE_LIMIT);
  for (const id of cache.items.keys()) {
    if (over-- <= 0) break;
    cache.items.delete(id);
    cache.complete = false;
  }
  cache.units = units;
  cache.through = lastAfter;
  versionCaches.set(em.connection, cache);
}

/** Sets the end of stored versions, many per statement (UPDATE … FROM VALUES, on SQLite and PostgreSQL). */
async function closeVersions(
  em: EntityManager,
  entity: EntityTarget<ObjectLiteral>,
  key: string,
  rows: { id: string; fromPosition: number; toPosition: number }[],
  writes: WriteBatch | null,
): Promise<void> {
  const table = em.connection.getMetadata(entity).tableName;
  if (rows.length === 0) return;
  if (em.connection.options.type === 'better-sqlite3') {
    // One connection, in the batch's transaction: a prepared statement per row is a primary-key seek.
    const db = sqliteConnection(em)!;
    const update = db.prepare(`UPDATE "${table}" SET "toPosition" = ? WHERE "${key}" = ? AND "fromPosition" = ?`);
    for (const r of rows) update.run(r.toPosition, r.id, r.fromPosition);
    return;
  }
  const pg = isPostgres(em);
  for (let i = 0; i < rows.length; i += CLOSE_CHUNK) {
    const chunk = rows.slice(i, i + CLOSE_CHUNK);
    const params: unknown[] = [];
    const tuples = chunk.map((r) => {
      params.push(r.id, r.fromPosition, r.toPosition);
      return '(?, CAST(? AS bigint), CAST(? AS bigint))';
    });
    const sql = placeholders(
      `UPDATE "${table}" SET "toPosition" = v.column3 FROM (VALUES ${tuples.join(',')}) AS v ` +
        `WHERE "${table}"."${key}" = v.column1 AND "${table}"."fromPosition" = v.column2`,
      pg,
    );
    if (writes) await writes.write(sql, params);
    else await em.query(sql, params);
  }
}

/**
 * A moved unit's own items leave its old ancestors' subtree counters for its new ones: its 'unit'
 * counters as of the position before the move (`own`, from the temporal counters alone, never from
 * the current-state tables) are taken off the one and added to the other.
 */
function moveOwnCounters(own: Map<string, Counts>, pathsBefore: Map<string, string>, tree: Map<string, UnitRow>): CounterDelta[] {
  const deltas = new CounterDeltas();
  for (const [unitId, counts] of own) {
    const from = new Set(idsOnPath(pathsBefore.get(unitId)));
    const to = new Set(idsOnPath(tree.get(unitId)?.path));
    for (const [status, dueDate, count, onTime] of tuplesOf(counts)) {
      for (const a of from) if (!to.has(a)) deltas.add({ ownerKind: 'subtree', ownerId: a, status, dueDate, count: -count, onTime: -onTime });
      for (const a of to) if (!from.has(a)) deltas.add({ ownerKind: 'subtree', ownerId: a, status, dueDate, count, onTime });
    }
  }
  return deltas.values();
}
