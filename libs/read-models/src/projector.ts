import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { isEventType, upcast, type EventType } from '@ledger/contracts/events';
import type { EventStore, ReplayedEvent, StoredEvent, Subscription } from '@ledger/event-store';
import { CheckpointRow, READ_MODELS_CHECKPOINT, TEMPORAL_CHECKPOINT } from './checkpoint/checkpoint.entity';
import { currentStateCheckpoint, temporalCheckpoint } from './checkpoint/checkpoints';
import { UnitRow } from './units/unit.entity';
import { evolveUnitTree } from './units/tree';
import { CadreRow } from './cadres/cadre.entity';
import { evolveCadre } from './cadres/evolve';
import { SheetRow } from './sheets/sheet.entity';
import { evolveSheet } from './sheets/evolve';
import { ITEM_SHARED_FIELDS, ItemRow } from './items/item.entity';
import { evolveItem } from './items/evolve';
import { ItemCounterRow } from './figures/item-counter.entity';
import { CounterDeltas, idsOnPath, type CounterDelta } from './figures/counters';
import { countCounters, recountCounters } from './figures/recount';
import { AccountabilityDecisionRow } from './register/accountability-decision.entity';
import { evolveDecision } from './register/evolve';
import { AccountRow } from './accounts/account.entity';
import { ACCOUNT_VIEW_EVENTS, evolveAccountRow } from './accounts/evolve';
import { ensureStarFactTable, projectStarFacts, STAR_FACT_TABLE } from './star-rating/project';
import { ProjectionGapError } from './errors';
import type { ProjectedEvent } from './projected-event';
import { READ_MODEL_ENTITIES } from './data-source';
import { applyTemporal, holdItemVersions } from './temporal/project';
import { TEMPORAL_ENTITIES } from './temporal/entities';
import { beginTemporalRebuild, finishTemporalRebuild } from './temporal/rebuild';
import { upsertRows } from './db/upsert';
import { isPostgres, placeholders } from './db/sql';
import { writeChangedRows, writeRows } from './db/write-rows';
import { heapBound } from './rebuild/heap';
import { clearForRebuild, createIndexes } from './rebuild/tables';
import { shareStrings } from './shared-strings';

/** Marks counters a rebuild has not yet counted (they are counted once, at its end). */
const COUNTERS_STALE = 'counters-stale';
/** Marks temporal read models a rebuild left without indexes (built once they have caught up). */
const TEMPORAL_STALE = 'temporal-stale';

const CURRENT_STATE_ENTITIES = READ_MODEL_ENTITIES.filter((e) => !(TEMPORAL_ENTITIES as unknown[]).includes(e));

/** Rows per multi-row statement: well under SQLite's 32,766 bound variables. */
const WRITE_CHUNK = 400;
const READ_CHUNK = 500;

export function toProjected(e: StoredEvent | ReplayedEvent): ProjectedEvent | null {
  if (!isEventType(e.type)) return null;
  const data = upcast(e.type, e.schemaVersion, e.data);
  return {
    type: e.type,
    data,
    stream: e.stream,
    revision: e.revision,
    position: e.position,
    recordedAt: e.recordedAt,
    ...('metadata' in e ? { metadata: (e.metadata ?? {}) as ProjectedEvent['metadata'] } : {}),
  } as ProjectedEvent;
}

const UNIT_EVENTS = new Set<EventType>(['UnitRegistered', 'UnitRenamed', 'UnitMoved', 'UnitDissolved']);
const CADRE_EVENTS = new Set<EventType>(['CadreRegistered', 'CadreTransferred', 'CadreLeft']);

/** Rows of one read model touched by a batch: loaded once, evolved in memory, written once. */
class Touched<R> {
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

async function load<R extends ObjectLiteral>(
  em: EntityManager,
  entity: EntityTarget<R>,
  key: string,
  ids: Set<string>,
): Promise<Touched<R>> {
  const t = new Touched<R>();
  const all = [...ids];
  for (let i = 0; i < all.length; i += READ_CHUNK) {
    const chunk = all.slice(i, i + READ_CHUNK);
    const rows = await em.getRepository(entity).createQueryBuilder('r').where(`r.${key} IN (:...ids)`, { ids: chunk }).getMany();
    for (const r of rows) t.initial.set(r[key], { ...r });
  }
  for (const id of all) {
    const row = t.initial.get(id) ?? null;
    t.initial.set(id, row);
    t.current.set(id, row);
  }
  return t;
}

/** The projector's rows, `WRITE_CHUNK` per statement; `additive` columns are counters. */
function upsert<R extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<R>, rows: R[], additive: string[] = []): Promise<void> {
  return upsertRows(em, entity, rows, additive, WRITE_CHUNK);
}

/**
 * The current-state rows a run of events touches, folded in memory: a live batch loads the rows it
 * touches first; a rebuild starts from empty tables and keeps every row across its batches.
 */
class CurrentStateFold {
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

  /** Writes what changed since the last write (not the star-rating facts). */
  async write(em: EntityManager): Promise<void> {
    const units = [...this.dirtyUnits].map((id) => this.units.get(id)!);
    this.dirtyUnits.clear();
    await writeRows(em, UnitRow, units);
    await writeChangedRows(em, CadreRow, this.cadres.takeChanged());
    await writeChangedRows(em, SheetRow, this.sheets.takeChanged());
    await writeChangedRows(em, ItemRow, this.items.takeChanged());
    await writeChangedRows(em, AccountabilityDecisionRow, this.decisions.takeChanged());
    await writeChangedRows(em, AccountRow, this.accounts.takeChanged());
  }
}

/**
 * The events after `checkpoint`, in increasing position order; returns them and the new checkpoint.
 * `contiguous` (the store's contiguousPositions): each must then follow the one before by exactly
 * one, and a missing number is refused as a lost event (on PostgreSQL, a commit seen out of order);
 * otherwise positions need only increase (EventStoreDB's are byte offsets).
 */
function freshAfter<E extends ReplayedEvent>(checkpoint: bigint, stored: E[], contiguous: boolean): { fresh: E[]; checkpoint: bigint } {
  const fresh = stored.filter((e) => e.position > checkpoint);
  for (const e of fresh) {
    if (contiguous ? e.position !== checkpoint + 1n : e.position <= checkpoint) throw new ProjectionGapError(checkpoint, e.position);
    checkpoint = e.position;
  }
  return { fresh, checkpoint };
}

/** Whether the events come from a store that promises contiguous positions (the default: SQLite and PostgreSQL do). */
export interface ApplyOptions {
  contiguous?: boolean;
}

function projected(stored: ReplayedEvent[]): ProjectedEvent[] {
  return stored.map(toProjected).filter((e): e is ProjectedEvent => e !== null);
}

/**
 * Applies a batch of stored events to the current-state read models and advances their checkpoint,
 * inside the caller's transaction. Events at or below the checkpoint are skipped (a replayed batch
 * changes nothing); an event that does not follow the checkpoint is refused (it would skip some).
 * Returns the new checkpoint. The temporal read models follow in a transaction of their own
 * (applyTemporalEvents).
 */
export async function applyEvents(em: EntityManager, stored: StoredEvent[], options: ApplyOptions = {}): Promise<bigint> {
  const { fresh, checkpoint } = freshAfter(await currentStateCheckpoint(em), stored, options.contiguous ?? true);
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
      const rows: { id: string; path: string }[] = await em.query(placeholders(`SELECT "id", "path" FROM "rm_unit" WHERE "id" IN (${chunk.map(() => '?').join(',')})`, isPostgres(em)), chunk);
      for (const u of rows) initialPaths.set(u.id, u.path);
    }
  }
  // The counters need the batch's changes before they are taken by the write.
  const dirtyUnits = new Set(fold.dirtyUnits);
  const changedItems = new Set(fold.items.dirty);
  await fold.write(em);
  await projectStarFacts(em, events);
  await moveCounters(em, fold.items, changedItems, fold.units, initialPaths, dirtyUnits);
  await upsert(em, CheckpointRow, [{ name: READ_MODELS_CHECKPOINT, position: checkpoint.toString() }]);
  return checkpoint;
}

/**
 * Applies a batch of stored events to the temporal read models and advances their own checkpoint,
 * inside the caller's transaction; skips what they hold, refuses a gap, like applyEvents.
 */
export async function applyTemporalEvents(em: EntityManager, stored: ReplayedEvent[], options: ApplyOptions = {}): Promise<bigint> {
  const { fresh, checkpoint } = freshAfter(await temporalCheckpoint(em), stored, options.contiguous ?? true);
  if (fresh.length === 0) return checkpoint;
  await applyTemporal(em, projected(fresh));
  await upsert(em, CheckpointRow, [{ name: TEMPORAL_CHECKPOINT, position: checkpoint.toString() }]);
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
): Promise<void> {
  const counters = new CounterDeltas();
  const subtreesBefore = (unitId: string) => idsOnPath(initialPaths.get(unitId));
  for (const id of changedItems) counters.change(items.initial.get(id) ?? null, items.current.get(id) ?? null, subtreesBefore);
  let deltas = counters.values();
  if (deltas.length) await upsert(em, ItemCounterRow, deltas as ItemCounterRow[], ['count', 'onTime']);
  const repathed = [...dirtyUnits].filter((id) => units.get(id)!.path !== initialPaths.get(id));
  if (repathed.length) {
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
    if (moved.length) await upsert(em, ItemCounterRow, moved as ItemCounterRow[], ['count', 'onTime']);
    deltas = deltas.concat(moved);
  }
  if (deltas.length) await pruneCounters(em, deltas);
}

/** Fresh statistics: SQLite's planner picks the covering (unit, sort key, id) indexes with them. */
async function analyze(em: EntityManager, entities: readonly EntityTarget<ObjectLiteral>[]): Promise<void> {
  for (const entity of entities) await em.query(`ANALYZE "${em.connection.getMetadata(entity).tableName}"`);
}

/**
 * The last step of a rebuild's current-state pass, also taken by a projector that finds it died
 * half-way; `counters`: counted already from the rebuild's fold (else counted here from the tables).
 */
async function finishRebuild(em: EntityManager, counters?: CounterDelta[]): Promise<void> {
  if (counters) {
    await em.query(`DELETE FROM "rm_item_counter"`);
    await writeRows(em, ItemCounterRow, counters as ItemCounterRow[]);
  } else await recountCounters(em);
  await createIndexes(em, CURRENT_STATE_ENTITIES);
  await em.getRepository(CheckpointRow).delete({ name: COUNTERS_STALE });
  await analyze(em, CURRENT_STATE_ENTITIES);
}

/** The last step of a rebuild's temporal pass, taken once the temporal models have caught up. */
async function finishTemporalPass(em: EntityManager): Promise<void> {
  await finishTemporalRebuild(em);
  await em.getRepository(CheckpointRow).delete({ name: TEMPORAL_STALE });
  await analyze(em, TEMPORAL_ENTITIES);
}

/**
 * Counter rows that fell to zero go: equal read models have equal rows whatever the batches were.
 * Only the rows this batch changed can have fallen to zero, so only those are looked at (a scan of
 * the whole table per batch cost more than the rest of a live batch on a county-sized ledger).
 */
async function pruneCounters(em: EntityManager, changed: { ownerKind: string; ownerId: string; status: string; dueDate: string }[]): Promise<void> {
  const pg = isPostgres(em);
  for (let i = 0; i < changed.length; i += WRITE_CHUNK) {
    const params: unknown[] = [];
    const tuples = changed.slice(i, i + WRITE_CHUNK).map((d) => {
      params.push(d.ownerKind, d.ownerId, d.status, d.dueDate);
      const n = params.length;
      return pg ? `($${n - 3},$${n - 2},$${n - 1},$${n})` : '(?,?,?,?)';
    });
    await em.query(
      `DELETE FROM "rm_item_counter" WHERE "count" = 0 AND ("ownerKind", "ownerId", "status", "dueDate") IN (VALUES ${tuples.join(',')})`,
      params,
    );
  }
}

export interface RunningProjector {
  /** The position of the last event handed over by the store. */
  readonly position: bigint;
  /** Caught up with the store's head as of the call: the current-state and the temporal read models. */
  caughtUp(): Promise<void>;
  /** Resolves true once both projections include `position`, false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
  /** Rejects when a batch fails (its transaction rolled back; nothing of it is visible). */
  readonly done: Promise<void>;
}

export interface ProjectorOptions {
  batchSize?: number;
  /**
   * Events per temporal transaction (default 250). The two projections take turns on one connection:
   * a current-state batch that arrives while a temporal one runs waits for it, so it is kept short.
   */
  temporalBatchSize?: number;
  onBatch?: (checkpoint: bigint, events: number) => void;
  /** After each temporal batch: the temporal read models' checkpoint. */
  onTemporalBatch?: (checkpoint: bigint, events: number) => void;
  /**
   * Run first in every transaction the projector opens (its batches, finishing a rebuild); throwing
   * rolls it back. The projection lease (./lease) fences a stale leader out with it.
   */
  fence?: (em: EntityManager) => Promise<void>;
}

/** Runs the projector's transactions one at a time (on SQLite they share one connection). */
class Serial {
  private last: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.last.then(task, task);
    this.last = next.catch(() => undefined);
    return next;
  }
}

/** Events handed to the current-state batch, kept for the temporal one so it need not read them again. */
const HANDOVER_LIMIT = 20_000;

/**
 * The temporal projection: follows the current-state checkpoint, each batch and its own checkpoint in
 * one transaction. It takes the events the current-state batches were handed when they follow its
 * checkpoint, and reads the store otherwise (after a restart, or when it fell behind).
 */
class TemporalFollower {
  private position: bigint;
  private target: bigint;
  private stale: boolean;
  private handed: StoredEvent[] = [];
  /**
   * The position of the event just before handed[0] in the log. Positions may have gaps, so
   * `handed[0].position === position + 1n` would not say whether it follows the temporal checkpoint.
   */
  private handedAfter = -1n;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly waiters = new Set<{ position: bigint; resolve: (reached: boolean) => void }>();
  readonly done: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly serial: Serial,
    private readonly options: ProjectorOptions,
    start: { position: bigint; target: bigint; stale: boolean },
  ) {
    this.position = start.position;
    this.target = start.target;
    this.stale = start.stale;
    this.done = this.loop();
    this.done.catch(() => undefined);
  }

  /** A current-state batch committed up to `checkpoint`; `after`: the position of the event the batch's first follows. */
  advance(checkpoint: bigint, events: StoredEvent[], after: bigint): void {
    if (checkpoint <= this.target) return;
    this.target = checkpoint;
    const last = this.handed.length ? this.handed[this.handed.length - 1].position : this.handedAfter;
    if (last !== after || this.handed.length + events.length > HANDOVER_LIMIT) {
      // Not a continuation of what is held (or too much): start over from this batch.
      this.handed = [];
      this.handedAfter = after;
    }
    if (events.length <= HANDOVER_LIMIT) this.handed.push(...events);
    else this.handedAfter = -1n;
    this.wake?.();
  }

  /** Resolves true once the temporal read models include `position`, false if the follower stops first. */
  reached(position: bigint): Promise<boolean> {
    if (this.position >= position || this.stopped) return Promise.resolve(this.position >= position);
    return new Promise((resolve) => this.waiters.add({ position, resolve }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.done.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.position >= this.target) {
          if (this.stale) {
            await this.transaction(finishTemporalPass);
            this.stale = false;
            continue; // the current-state projection may have moved on meanwhile
          }
          this.release();
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = null;
          continue;
        }
        const batch = await this.next();
        this.position = await this.transaction((em) => applyTemporalEvents(em, batch, { contiguous: this.store.contiguousPositions }));
        this.options.onTemporalBatch?.(this.position, batch.length);
        if (!this.stale) this.release();
      }
    } finally {
      this.stopped = true;
      this.release(true);
    }
  }

  /** The next events after the temporal checkpoint, up to the current-state checkpoint. */
  private async next(): Promise<StoredEvent[]> {
    const limit = this.options.temporalBatchSize ?? 250;
    let skip = 0;
    while (skip < this.handed.length && this.handed[skip].position <= this.position) this.handedAfter = this.handed[skip++].position;
    if (skip) this.handed = this.handed.slice(skip);
    let batch: StoredEvent[];
    if (this.handed.length && this.handedAfter === this.position) {
      batch = this.handed.splice(0, limit);
      this.handedAfter = batch[batch.length - 1].position;
    } else {
      this.handed = [];
      this.handedAfter = -1n;
      batch = await this.store.readAll({ after: this.position, limit });
    }
    return batch.filter((e) => e.position <= this.target);
  }

  private transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.serial.run(() =>
      this.dataSource.transaction(async (em) => {
        await this.options.fence?.(em);
        return work(em);
      }),
    );
  }

  private release(all = false): void {
    for (const w of this.waiters) {
      if (all || w.position <= this.position) {
        this.waiters.delete(w);
        w.resolve(w.position <= this.position);
      }
    }
  }
}

/**
 * Subscribes to the store from the current-state checkpoint; each batch and that checkpoint commit
 * together. The temporal read models follow in transactions of their own, with their own checkpoint,
 * so that what `minPosition` waits for never waits on them. Give it a DataSource of its own: on SQLite
 * a shared connection would let readers see a batch before it commits.
 */
export async function startProjector(
  dataSource: DataSource,
  store: EventStore,
  options: ProjectorOptions = {},
): Promise<RunningProjector> {
  const serial = new Serial();
  const start = await dataSource.transaction(async (em) => {
    await options.fence?.(em);
    if (await em.getRepository(CheckpointRow).findOneBy({ name: COUNTERS_STALE })) await finishRebuild(em);
    return {
      after: await currentStateCheckpoint(em),
      temporal: await temporalCheckpoint(em),
      stale: !!(await em.getRepository(CheckpointRow).findOneBy({ name: TEMPORAL_STALE })),
    };
  });
  const temporal = new TemporalFollower(dataSource, store, serial, options, { position: start.temporal, target: start.after, stale: start.stale });
  /** The position of the last event the subscription handed over (each batch follows it in the log). */
  let delivered = start.after;
  const subscription: Subscription = store.subscribe(
    async (events) => {
      const after = delivered;
      const checkpoint = await serial.run(() =>
        dataSource.transaction(async (em) => {
          await options.fence?.(em);
          return applyEvents(em, events, { contiguous: store.contiguousPositions });
        }),
      );
      if (events.length) delivered = events[events.length - 1].position;
      temporal.advance(checkpoint, events, after);
      options.onBatch?.(checkpoint, events.length);
    },
    { after: start.after, batchSize: options.batchSize ?? 1000 },
  );
  const stop = async () => {
    await subscription.stop();
    await temporal.stop();
  };
  // Either projection failing stops both.
  const done = Promise.all([
    subscription.done.catch(async (e: unknown) => {
      await temporal.stop();
      throw e;
    }),
    temporal.done.catch(async (e: unknown) => {
      await subscription.stop().catch(() => undefined);
      throw e;
    }),
  ]).then(() => undefined);
  done.catch(() => undefined);
  return {
    get position() {
      return subscription.position;
    },
    caughtUp: async () => {
      await subscription.caughtUp();
      await temporal.reached(subscription.position);
    },
    waitFor: async (position, timeoutMs) => {
      const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
      if (!(await subscription.waitFor(position, timeoutMs))) return false;
      const reached = temporal.reached(position);
      if (deadline === undefined) return reached;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
      try {
        return await Promise.race([reached, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop,
    done,
  };
}

export type RebuildPhase = 'current' | 'temporal';

export interface RebuildProgress {
  /** current: the current-state read models (what the API's ordinary queries read); temporal: as-of. */
  phase: RebuildPhase;
  position: bigint;
  head: bigint;
  /** Events replayed in this phase so far. */
  events: number;
}

export interface RebuildResult {
  position: bigint;
  head: bigint;
  events: number;
  /** Wall-clock time of each pass, its final step (counters, indexes) included. */
  currentMs: number;
  temporalMs: number;
}

/** The read models' SQLite page cache during a rebuild (negative: KiB). */
const REBUILD_CACHE_KIB = -4096;

/** The heap a process that runs a rebuild alone (`ledger rebuild`) keeps near: the RSS bound of issue #3 is 300 MB. */
export const REBUILD_HEAP_MB = 120;

/** Open item versions a rebuild's temporal pass keeps at most (100,000 items: ~60 MB of heap), whatever the county. */
const REBUILD_ITEM_VERSIONS = 100_000;

/** Events read from the store per call while rebuilding: a batch small enough to die young. */
const REBUILD_READ = 1000;

type Transaction = <T>(work: (em: EntityManager) => Promise<T>) => Promise<T>;
type ReadLog = (options: { after: bigint; limit: number }) => Promise<ReplayedEvent[]>;

/** The log as a rebuild reads it: without what no projection reads, where the store can leave it out. */
function replayReader(store: EventStore): ReadLog {
  return store.readForReplay ? (o) => store.readForReplay!(o) : (o) => store.readAll(o);
}

/**
 * A rebuild's current-state pass: the log folded in memory (every row held, changed in place), a
 * commit every `batchSize` events, counters and indexes at the end (also when it fails: the tables
 * are then those of its last commit). Its rows are let go when it returns, before the temporal pass.
 */
async function replayCurrentState(
  read: ReadLog,
  transaction: Transaction,
  options: { batchSize: number; readLimit: number; head: bigint; contiguous: boolean; onProgress?: (p: RebuildProgress) => void; bound: (collect?: boolean) => void },
): Promise<{ position: bigint; events: number }> {
  const fold = new CurrentStateFold(true);
  let position = 0n;
  let events = 0;
  let folded = 0n;
  let pending = 0;
  const flush = async () => {
    const upTo = folded;
    await transaction(async (em) => {
      await fold.write(em);
      await projectStarFacts(em, fold.starEvents);
      await upsert(em, CheckpointRow, [{ name: READ_MODELS_CHECKPOINT, position: upTo.toString() }]);
    });
    fold.starEvents = [];
    position = upTo;
    pending = 0;
  };
  let counters: CounterDelta[] | undefined;
  try {
    for (;;) {
      const batch = await read({ after: folded, limit: options.readLimit });
      if (batch.length === 0) break;
      const { checkpoint } = freshAfter(folded, batch, options.contiguous);
      fold.apply(projected(batch));
      folded = checkpoint;
      events += batch.length;
      pending += batch.length;
      if (pending >= options.batchSize) await flush();
      options.bound();
      options.onProgress?.({ phase: 'current', position: folded, head: options.head, events });
    }
    if (pending > 0) await flush();
    counters = countCounters(fold.items.current.values(), fold.units);
  } finally {
    // The fold's rows are written: let them go before the index builds, and collect them now (most of
    // the heap), so that the temporal pass grows from what is alive.
    fold.items = new Touched();
    options.bound(true);
    await transaction((em) => finishRebuild(em, counters));
  }
  return { position, events };
}

/**
 * Clears every read model and replays the whole log from position 0: first the current-state read
 * models (folded in memory, written with prepared statements, one transaction and checkpoint per
 * `batchSize` events; counters and indexes once at the end), then the temporal ones, a transaction
 * and their own checkpoint per `temporalBatchSize` events. Ends with the same rows as the live
 * projector; run it while no projector writes. If it dies, a projector goes on from both checkpoints.
 */
export async function rebuildReadModels(
  dataSource: DataSource,
  store: EventStore,
  options: {
    batchSize?: number;
    temporalBatchSize?: number;
    onProgress?: (p: RebuildProgress) => void;
    /** A pass finished, its final step included: `ms` is its wall-clock time. */
    onPassDone?: (p: RebuildProgress & { ms: number }) => void;
    /** For the process that runs the rebuild alone: keep its heap near this many MB (heapBound). */
    heapMb?: number;
    /** The first statement of every transaction (the projection lease's fence, as a live projector's batches have). */
    fence?: (em: EntityManager) => Promise<void>;
  } = {},
): Promise<RebuildResult> {
  const batchSize = options.batchSize ?? 1_000_000;
  // Measured on 200k events: 1,000 per transaction as fast as 5,000 or 20,000, and the smallest peak RSS.
  const temporalBatchSize = options.temporalBatchSize ?? Math.min(batchSize, 1000);
  const readLimit = Math.min(batchSize, REBUILD_READ);
  const sqlite = dataSource.options.type === 'better-sqlite3';
  const pg = isPostgres(dataSource);
  const read = replayReader(store);
  const bound: (collect?: boolean) => void = options.heapMb ? heapBound(options.heapMb) : () => undefined;
  let cacheSize: unknown;
  if (sqlite) {
    // Rows are folded in memory and written once: a small page cache does as well and keeps the
    // process small (clearing the old tables and the index builds at the end would otherwise fill it).
    cacheSize = (await dataSource.query('PRAGMA cache_size'))[0]?.cache_size;
    await dataSource.query(`PRAGMA cache_size = ${REBUILD_CACHE_KIB}`);
  }
  // Secondary indexes are dropped while the log is replayed and built once at the end of each pass:
  // far cheaper than keeping them up to date row by row. (Opening the read models recreates any left missing.)
  const fence = options.fence ?? (async () => undefined);
  await dataSource.transaction(async (em) => {
    await fence(em);
    await clearForRebuild(em, CURRENT_STATE_ENTITIES);
    await beginTemporalRebuild(em);
    await ensureStarFactTable(em);
    await em.query(`DELETE FROM "${STAR_FACT_TABLE}"`);
    // Counters and indexes come at the end; if the rebuild dies first, the projector finishes it on start.
    await upsert(em, CheckpointRow, [
      { name: COUNTERS_STALE, position: '0' },
      { name: TEMPORAL_STALE, position: '0' },
      { name: TEMPORAL_CHECKPOINT, position: '0' },
    ]);
  });
  // A rebuild that dies starts again (or a projector goes on from its checkpoints), so nothing of it
  // needs to reach the disk before its end: the final step below makes it durable.
  if (sqlite) await dataSource.query('PRAGMA synchronous = OFF');
  const transaction: Transaction = (work) =>
    dataSource.transaction(async (em) => {
      await fence(em);
      if (pg) await em.query('SET LOCAL synchronous_commit = off');
      return work(em);
    });
  const head = await store.headPosition();
  let position = 0n;
  let events = 0;
  let currentMs = 0;
  let temporalMs = 0;
  try {
    const started = Date.now();
    ({ position, events } = await replayCurrentState(read, transaction, { batchSize, readLimit, head, contiguous: store.contiguousPositions, onProgress: options.onProgress, bound }));
    currentMs = Date.now() - started;
    options.onPassDone?.({ phase: 'current', position, head, events, ms: currentMs });

    const temporalStarted = Date.now();
    let temporalEvents = 0;
    let temporal = 0n;
    holdItemVersions(dataSource, REBUILD_ITEM_VERSIONS);
    try {
      while (temporal < position) {
        const batch = (await read({ after: temporal, limit: temporalBatchSize })).filter((e) => e.position <= position);
        if (batch.length === 0) break;
        temporal = await transaction((em) => applyTemporalEvents(em, batch, { contiguous: store.contiguousPositions }));
        temporalEvents += batch.length;
        bound();
        options.onProgress?.({ phase: 'temporal', position: temporal, head, events: temporalEvents });
      }
    } finally {
      holdItemVersions(dataSource);
    }
    // A durable commit (PostgreSQL flushes the log up to it, every earlier commit of the rebuild included).
    await dataSource.transaction(async (em) => {
      await fence(em);
      await finishTemporalPass(em);
    });
    temporalMs = Date.now() - temporalStarted;
    options.onPassDone?.({ phase: 'temporal', position: temporal, head, events: temporalEvents, ms: temporalMs });
  } finally {
    if (sqlite) {
      await dataSource.query('PRAGMA synchronous = NORMAL');
      if (typeof cacheSize === 'number') await dataSource.query(`PRAGMA cache_size = ${cacheSize}`);
      // Every page of the rebuild into the database file, synced: durable from here on.
      await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
    }
  }
  return { position, head, events, currentMs, temporalMs };
}
