import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { StoredEvent } from '@ledger/event-store';
import { CheckpointRow, READ_MODELS_CHECKPOINT } from '../checkpoint/checkpoint.entity';
import { currentStateCheckpoint } from '../checkpoint/checkpoints';
import { UnitRow } from '../units/unit.entity';
import { evolveUnitTree } from '../units/tree';
import { CadreRow } from '../cadres/cadre.entity';
import { evolveCadre } from '../cadres/evolve';
import { SheetRow } from '../sheets/sheet.entity';
import { evolveSheet } from '../sheets/evolve';
import { ITEM_SHARED_FIELDS, ItemRow } from '../items/item.entity';
import { evolveItem } from '../items/evolve';
import { ItemCounterRow } from '../figures/item-counter.entity';
import { CounterDeltas, idsOnPath } from '../figures/counters';
import { AccountabilityDecisionRow } from '../register/accountability-decision.entity';
import { evolveDecision } from '../register/evolve';
import { AccountRow } from '../accounts/account.entity';
import { ACCOUNT_VIEW_EVENTS, evolveAccountRow } from '../accounts/evolve';
import { projectStarFacts } from '../star-rating/project';
import type { ProjectedEvent } from '../projected-event';
import { upsertRows } from '../db/upsert';
import { loadRows } from '../db/load-rows';
import { isPostgres, placeholders } from '../db/sql';
import { writeChangedRows, writeRows } from '../db/write-rows';
import { copyRows } from '../db/copy-rows';
import { shareStrings } from '../shared-strings';
import { WriteBatch } from '../db/write-batch';
import { CADRE_EVENTS, freshAfter, projected, UNIT_EVENTS, type ApplyOptions } from './events';

/** Rows per multi-row statement: well under SQLite's 32,766 bound variables. */
const WRITE_CHUNK = 400;
const READ_CHUNK = 500;

/** Rows of one read model touched by a batch: loaded once, evolved in memory, written once. */
export class Touched<R> {
  readonly initial = new Map<string, R | null>();
  readonly current = new Map<string, R | null>();
  readonly dirty = new Set<string>();

  get(id: string): R | null {
    return this.current.get(id) ?? null;
  }
  set(id: string, row: R | null): void {
    if (row === this.current.get(id)) return;
    this.current.set(id, row);
    this.dirty.add(id);
  }
  /**
   * As set, but a row already held takes the new values in place: a rebuild holds every row for its
   * whole run, and a new object per event left a dead one in the old generation each time (the heap
   * grew to several times what was alive).
   */
  update(id: string, row: R | null): void {
    const held = this.current.get(id);
    if (row === held) return;
    if (held && row) {
      Object.assign(held, row);
      this.dirty.add(id);
    } else this.set(id, row);
  }
  /** The rows changed since the last call, each with the state it was loaded in (null: not stored, or not loaded). */
  takeChanged(): { before: R | null; after: R }[] {
    const rows: { before: R | null; after: R }[] = [];
    for (const id of this.dirty) {
      const after = this.current.get(id);
      if (after) rows.push({ before: this.initial.get(id) ?? null, after });
    }
    this.dirty.clear();
    return rows;
  }
}

async function load<R extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<R>, key: string, ids: Set<string>): Promise<Touched<R>> {
  const t = new Touched<R>();
  const all = [...ids];
  for (const r of await loadRows(em, entity, key, all, READ_CHUNK)) t.initial.set(r[key], r);
  for (const id of all) {
    const row = t.initial.get(id) ?? null;
    t.initial.set(id, row);
    t.current.set(id, row);
  }
  return t;
}

/** The projector's rows, `WRITE_CHUNK` per statement; `additive` columns are counters. */
function upsert<R extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<R>, rows: R[], additive: string[] = [], writes?: WriteBatch): Promise<void> {
  return upsertRows(em, entity, rows, additive, WRITE_CHUNK, writes);
}

/**
 * The current-state rows a run of events touches, folded in memory: a live batch loads the rows it
 * touches first; a rebuild starts from empty tables and keeps every row across its batches.
 */
export class CurrentStateFold {
  /** A rebuild's fold: it owns its rows, which may change in place. */
  constructor(private readonly inPlace = false) {}

  items = new Touched<ItemRow>();
  cadres = new Touched<CadreRow>();
  sheets = new Touched<SheetRow>();
  decisions = new Touched<AccountabilityDecisionRow>();
  accounts = new Touched<AccountRow>();
  /** The whole tree when a unit event came (a county has about a thousand units). */
  readonly units = new Map<string, UnitRow>();
  readonly dirtyUnits = new Set<string>();
  /** The events that make star-rating facts, for a rebuild to write with its rows. */
  starEvents: ProjectedEvent[] = [];

  apply(events: ProjectedEvent[]): void {
    const { items, cadres, sheets, decisions, units } = this;
    for (const e of events) {
      if (UNIT_EVENTS.has(e.type)) {
        for (const id of evolveUnitTree(units, e)) this.dirtyUnits.add(id);
      } else if (CADRE_EVENTS.has(e.type)) {
        const id = (e.data as { cadreId: string }).cadreId;
        cadres.set(id, evolveCadre(cadres.get(id), e));
      } else if (e.type === 'SheetIssued') {
        sheets.set(e.data.sheetId, evolveSheet(sheets.get(e.data.sheetId), e));
      } else if (ACCOUNT_VIEW_EVENTS.has(e.type)) {
        const id = (e.data as { accountId: string }).accountId;
        this.accounts.set(id, evolveAccountRow(this.accounts.get(id), e));
      } else if ('itemId' in e.data) {
        const id = e.data.itemId;
        const held = items.get(id);
        const next = evolveItem(held, e);
        if (this.inPlace) items.update(id, next && shareStrings(next, ITEM_SHARED_FIELDS, held));
        else items.set(id, next);
        if (e.type === 'AccountabilityDecided' || e.type === 'AccountabilityRevoked') {
          decisions.set(e.data.decisionId, evolveDecision(decisions.get(e.data.decisionId), e));
        }
        if (e.type === 'CompletionReturned' || e.type === 'DeadlineMissed') this.starEvents.push(e);
      }
    }
  }

  /** A rebuild's fold (`inPlace`, from empty tables): the ids of the rows an earlier write stored. */
  private readonly stored = new Map<Touched<unknown>, Set<string>>();

  /** Writes what changed since the last write (not the star-rating facts); a live batch's with its other `writes`. */
  async write(em: EntityManager, writes?: WriteBatch): Promise<void> {
    const units = [...this.dirtyUnits].map((id) => this.units.get(id)!);
    this.dirtyUnits.clear();
    await writeRows(em, UnitRow, units, writes);
    await this.writeChanged(em, CadreRow, this.cadres, 'id', writes);
    await this.writeChanged(em, SheetRow, this.sheets, 'id', writes);
    await this.writeChanged(em, ItemRow, this.items, 'id', writes);
    await this.writeChanged(em, AccountabilityDecisionRow, this.decisions, 'decisionId', writes);
    await this.writeChanged(em, AccountRow, this.accounts, 'id', writes);
  }

  /** A rebuild's rows never stored yet are copied in (COPY on PostgreSQL); the others are upserted. */
  private async writeChanged<R extends ObjectLiteral>(
    em: EntityManager,
    entity: EntityTarget<R>,
    rows: Touched<R>,
    key: keyof R,
    writes?: WriteBatch,
  ): Promise<void> {
    const changed = rows.takeChanged();
    if (!this.inPlace) return writeChangedRows(em, entity, changed, writes);
    let stored = this.stored.get(rows as Touched<unknown>);
    if (!stored) this.stored.set(rows as Touched<unknown>, (stored = new Set()));
    const fresh: R[] = [];
    const again: { before: R | null; after: R }[] = [];
    for (const c of changed) {
      const id = c.after[key] as string;
      if (stored.has(id)) again.push(c);
      else {
        fresh.push(c.after);
        stored.add(id);
      }
    }
    await copyRows(em, entity, fresh);
    await writeChangedRows(em, entity, again);
  }
}

/**
 * Applies a batch of stored events to the current-state read models and advances their checkpoint,
 * inside the caller's transaction. Events at or below the checkpoint are skipped (a replayed batch
 * changes nothing); an event that does not follow the checkpoint is refused (it would skip some).
 * Returns the new checkpoint. The temporal read models follow in a transaction of their own
 * (applyTemporalEvents).
 */
export async function applyEvents(
  em: EntityManager,
  stored: StoredEvent[],
  options: ApplyOptions & {
    /** The checkpoint, read by the caller in this transaction (readBatchStart). */
    after?: bigint;
    /** The last writes (the counters' pruning, the checkpoint) are left pending here for the caller to send with its own. */
    writes?: WriteBatch;
    /** The checkpoint row is left here for the caller to write with its own. */
    checkpoints?: CheckpointRow[];
  } = {},
): Promise<bigint> {
  const { fresh, checkpoint } = freshAfter(options.after ?? (await currentStateCheckpoint(em)), stored, options.contiguous ?? true);
  if (fresh.length === 0) return checkpoint;
  const events = projected(fresh);

  const itemIds = new Set<string>();
  const cadreIds = new Set<string>();
  const sheetIds = new Set<string>();
  const decisionIds = new Set<string>();
  const accountIds = new Set<string>();
  let unitEvents = false;
  for (const e of events) {
    const d = e.data as unknown as Record<string, unknown>;
    if (UNIT_EVENTS.has(e.type)) unitEvents = true;
    else if (CADRE_EVENTS.has(e.type)) cadreIds.add(String(d.cadreId));
    else if (e.type === 'SheetIssued') sheetIds.add(e.data.sheetId);
    else if (ACCOUNT_VIEW_EVENTS.has(e.type)) accountIds.add(String(d.accountId));
    else if (typeof d.itemId === 'string') itemIds.add(d.itemId);
    if (e.type === 'AccountabilityDecided' || e.type === 'AccountabilityRevoked') decisionIds.add(e.data.decisionId);
  }

  const fold = new CurrentStateFold();
  fold.items = await load(em, ItemRow, 'id', itemIds);
  fold.cadres = await load(em, CadreRow, 'id', cadreIds);
  fold.sheets = await load(em, SheetRow, 'id', sheetIds);
  fold.decisions = await load(em, AccountabilityDecisionRow, 'decisionId', decisionIds);
  fold.accounts = await load(em, AccountRow, 'id', accountIds);
  const initialPaths = new Map<string, string>();
  if (unitEvents) {
    for (const u of await em.getRepository(UnitRow).find()) {
      fold.units.set(u.id, u);
      initialPaths.set(u.id, u.path);
    }
  }

  fold.apply(events);
  if (!unitEvents && fold.items.dirty.size) {
    // Item counters need only the paths of the units the batch's items are in, before and after.
    const unitIds = new Set<string>();
    for (const id of fold.items.dirty) for (const row of [fold.items.initial.get(id), fold.items.current.get(id)]) if (row) unitIds.add(row.unitId);
    const ids = [...unitIds];
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      const chunk = ids.slice(i, i + READ_CHUNK);
      const rows: { id: string; path: string }[] = await em.query(
        placeholders(`SELECT "id", "path" FROM "rm_unit" WHERE "id" IN (${chunk.map(() => '?').join(',')})`, isPostgres(em)),
        chunk,
      );
      for (const u of rows) initialPaths.set(u.id, u.path);
    }
  }
  // The counters need the batch's changes before they are taken by the write.
  const dirtyUnits = new Set(fold.dirtyUnits);
  const changedItems = new Set(fold.items.dirty);
  // The rows and the counters in one statement, then the pruning (which must see the counters) with the checkpoint.
  const writes = options.writes ?? new WriteBatch(em);
  await fold.write(em, writes);
  await projectStarFacts(em, events);
  await moveCounters(em, fold.items, changedItems, fold.units, initialPaths, dirtyUnits, writes);
  const row = { name: READ_MODELS_CHECKPOINT, position: checkpoint.toString() };
  if (options.checkpoints) options.checkpoints.push(row);
  else await upsert(em, CheckpointRow, [row], [], writes);
  if (!options.writes) await writes.flush();
  return checkpoint;
}

/**
 * Counters move in two steps: first every changed item, against the tree as it stood before the
 * batch; then every unit whose path changed takes its own items off its old ancestors onto its new.
 */
async function moveCounters(
  em: EntityManager,
  items: Touched<ItemRow>,
  changedItems: Set<string>,
  units: Map<string, UnitRow>,
  initialPaths: Map<string, string>,
  dirtyUnits: Set<string>,
  writes: WriteBatch,
): Promise<void> {
  const counters = new CounterDeltas();
  const subtreesBefore = (unitId: string) => idsOnPath(initialPaths.get(unitId));
  for (const id of changedItems) counters.change(items.initial.get(id) ?? null, items.current.get(id) ?? null, subtreesBefore);
  let deltas = counters.values();
  if (deltas.length) await upsert(em, ItemCounterRow, deltas as ItemCounterRow[], ['count', 'onTime'], writes);
  const repathed = [...dirtyUnits].filter((id) => units.get(id)!.path !== initialPaths.get(id));
  if (repathed.length) {
    await writes.flush(); // the units' own counters are read with the batch's changes in them
    const transfers = new CounterDeltas();
    for (let i = 0; i < repathed.length; i += READ_CHUNK) {
      const own = await em
        .getRepository(ItemCounterRow)
        .createQueryBuilder('c')
        .where(`c."ownerKind" = 'unit'`)
        .andWhere('c."ownerId" IN (:...ids)', { ids: repathed.slice(i, i + READ_CHUNK) })
        .getMany();
      for (const row of own) {
        const before = new Set(idsOnPath(initialPaths.get(row.ownerId)));
        const after = new Set(idsOnPath(units.get(row.ownerId)!.path));
        const move = (ownerId: string, sign: 1 | -1) =>
          transfers.add({ ownerKind: 'subtree', ownerId, status: row.status, dueDate: row.dueDate, count: sign * row.count, onTime: sign * row.onTime });
        for (const a of before) if (!after.has(a)) move(a, -1);
        for (const a of after) if (!before.has(a)) move(a, 1);
      }
    }
    const moved = transfers.values();
    if (moved.length) await upsert(em, ItemCounterRow, moved as ItemCounterRow[], ['count', 'onTime'], writes);
    deltas = deltas.concat(moved);
  }
  if (deltas.length) {
    await writes.flush(); // the pruning sees what the upserts left
    await pruneCounters(em, deltas, writes);
  }
}

/**
 * Counter rows that fell to zero go: equal read models have equal rows whatever the batches were.
 * Only the rows this batch changed can have fallen to zero, so only those are looked at (a scan of
 * the whole table per batch cost more than the rest of a live batch on a county-sized ledger).
 */
async function pruneCounters(
  em: EntityManager,
  changed: { ownerKind: string; ownerId: string; status: string; dueDate: string }[],
  writes: WriteBatch,
): Promise<void> {
  const pg = isPostgres(em);
  for (let i = 0; i < changed.length; i += WRITE_CHUNK) {
    const params: unknown[] = [];
    const tuples = changed.slice(i, i + WRITE_CHUNK).map((d) => {
      params.push(d.ownerKind, d.ownerId, d.status, d.dueDate);
      const n = params.length;
      return pg ? `($${n - 3},$${n - 2},$${n - 1},$${n})` : '(?,?,?,?)';
    });
    await writes.write(
      `DELETE FROM "rm_item_counter" WHERE "count" = 0 AND ("ownerKind", "ownerId", "status", "dueDate") IN (VALUES ${tuples.join(',')})`,
      params,
    );
  }
}
