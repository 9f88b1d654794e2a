import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { isEventType, upcast, type EventType } from '@ledger/contracts/events';
import type { EventStore, StoredEvent, Subscription } from '@ledger/event-store';
import { CheckpointRow, READ_MODELS_CHECKPOINT } from './checkpoint/checkpoint.entity';
import { UnitRow } from './units/unit.entity';
import { evolveUnitTree } from './units/tree';
import { CadreRow } from './cadres/cadre.entity';
import { evolveCadre } from './cadres/evolve';
import { SheetRow } from './sheets/sheet.entity';
import { evolveSheet } from './sheets/evolve';
import { ItemRow } from './items/item.entity';
import { evolveItem } from './items/evolve';
import { ItemCounterRow } from './figures/item-counter.entity';
import { CounterDeltas, idsOnPath } from './figures/counters';
import { recountCounters } from './figures/recount';
import { AccountabilityDecisionRow } from './register/accountability-decision.entity';
import { evolveDecision } from './register/evolve';
import { projectStarFacts } from './star-rating/project';
import { ProjectionGapError } from './errors';
import type { ProjectedEvent } from './projected-event';
import { READ_MODEL_ENTITIES } from './data-source';
import { applyTemporal } from './temporal/project';
import { upsertRows } from './upsert';

/** Marks counters a rebuild has not yet counted (they are counted once, at its end). */
const COUNTERS_STALE = 'counters-stale';

/** Rows per multi-row statement: well under SQLite's 32,766 bound variables. */
const WRITE_CHUNK = 400;
const READ_CHUNK = 500;

export function toProjected(e: StoredEvent): ProjectedEvent | null {
  if (!isEventType(e.type)) return null;
  const data = upcast(e.type, e.schemaVersion, e.data);
  return {
    type: e.type,
    data,
    stream: e.stream,
    revision: e.revision,
    position: e.position,
    recordedAt: e.recordedAt,
    metadata: (e.metadata ?? {}) as ProjectedEvent['metadata'],
  } as ProjectedEvent;
}

export async function readCheckpoint(em: EntityManager): Promise<bigint> {
  const row = await em.getRepository(CheckpointRow).findOneBy({ name: READ_MODELS_CHECKPOINT });
  return row ? BigInt(row.position) : 0n;
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
  changedRows(): R[] {
    return [...this.dirty].map((id) => this.current.get(id)).filter((r): r is R => !!r);
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

function isPostgres(em: EntityManager): boolean {
  return em.connection.options.type === 'postgres';
}

/** The projector's rows, `WRITE_CHUNK` per statement; `additive` columns are counters. */
function upsert<R extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<R>, rows: R[], additive: string[] = []): Promise<void> {
  return upsertRows(em, entity, rows, additive, WRITE_CHUNK);
}

/**
 * Applies a batch of stored events to every read model and advances the checkpoint, inside the
 * caller's transaction. Events at or below the checkpoint are skipped (a replayed batch changes
 * nothing); an event that does not follow the checkpoint is refused (it would skip some).
 * Returns the new checkpoint.
 */
export async function applyEvents(
  em: EntityManager,
  stored: StoredEvent[],
  options: { counters?: boolean } = {},
): Promise<bigint> {
  let checkpoint = await readCheckpoint(em);
  const fresh = stored.filter((e) => e.position > checkpoint);
  if (fresh.length === 0) return checkpoint;
  for (const e of fresh) {
    if (e.position !== checkpoint + 1n) throw new ProjectionGapError(checkpoint, e.position);
    checkpoint = e.position;
  }
  const events = fresh.map(toProjected).filter((e): e is ProjectedEvent => e !== null);

  const itemIds = new Set<string>();
  const cadreIds = new Set<string>();
  const sheetIds = new Set<string>();
  const decisionIds = new Set<string>();
  let unitEvents = false;
  for (const e of events) {
    const d = e.data as unknown as Record<string, unknown>;
    if (UNIT_EVENTS.has(e.type)) unitEvents = true;
    else if (CADRE_EVENTS.has(e.type)) cadreIds.add(String(d.cadreId));
    else if (e.type === 'SheetIssued') sheetIds.add(e.data.sheetId);
    else if (typeof d.itemId === 'string') itemIds.add(d.itemId);
    if (e.type === 'AccountabilityDecided' || e.type === 'AccountabilityRevoked') decisionIds.add(e.data.decisionId);
  }

  const items = await load(em, ItemRow, 'id', itemIds);
  const cadres = await load(em, CadreRow, 'id', cadreIds);
  const sheets = await load(em, SheetRow, 'id', sheetIds);
  const decisions = await load(em, AccountabilityDecisionRow, 'decisionId', decisionIds);
  // The whole tree (a county has about a thousand units): item counters roll up along unit paths.
  const units = new Map<string, UnitRow>();
  const dirtyUnits = new Set<string>();
  const initialPaths = new Map<string, string>();
  const withCounters = options.counters !== false;
  if (unitEvents) {
    for (const u of await em.getRepository(UnitRow).find()) {
      units.set(u.id, u);
      initialPaths.set(u.id, u.path);
    }
  } else if (withCounters && itemIds.size) {
    // Item counters need only the paths: two columns, not a thousand entities, per batch.
    const rows: { id: string; path: string }[] = await em.query('SELECT "id", "path" FROM "rm_unit"');
    for (const u of rows) initialPaths.set(u.id, u.path);
  }

  for (const e of events) {
    if (UNIT_EVENTS.has(e.type)) {
      for (const id of evolveUnitTree(units, e)) dirtyUnits.add(id);
    } else if (CADRE_EVENTS.has(e.type)) {
      const id = (e.data as { cadreId: string }).cadreId;
      cadres.set(id, evolveCadre(cadres.get(id), e));
    } else if (e.type === 'SheetIssued') {
      sheets.set(e.data.sheetId, evolveSheet(sheets.get(e.data.sheetId), e));
    } else if ('itemId' in e.data) {
      const id = e.data.itemId;
      const decision = e.type === 'AccountabilityRevoked' ? decisions.get(e.data.decisionId) : null;
      items.set(id, evolveItem(items.get(id), e, { revokesLiveDecision: !!decision && !decision.revoked }));
      if (e.type === 'AccountabilityDecided' || e.type === 'AccountabilityRevoked') {
        decisions.set(e.data.decisionId, evolveDecision(decisions.get(e.data.decisionId), e));
      }
    }
  }

  await upsert(em, UnitRow, [...dirtyUnits].map((id) => units.get(id)!));
  await upsert(em, CadreRow, cadres.changedRows());
  await upsert(em, SheetRow, sheets.changedRows());
  await upsert(em, ItemRow, items.changedRows());
  await upsert(em, AccountabilityDecisionRow, decisions.changedRows());
  if (withCounters) await moveCounters(em, items, units, initialPaths, dirtyUnits);
  await applyTemporal(em, events);
  await projectStarFacts(em, events);
  await upsert(em, CheckpointRow, [{ name: READ_MODELS_CHECKPOINT, position: checkpoint.toString() }]);
  return checkpoint;
}

/**
 * Counters move in two steps: first every changed item, against the tree as it stood before the
 * batch; then every unit whose path changed takes its own items off its old ancestors onto its new.
 */
async function moveCounters(
  em: EntityManager,
  items: Touched<ItemRow>,
  units: Map<string, UnitRow>,
  initialPaths: Map<string, string>,
  dirtyUnits: Set<string>,
): Promise<void> {
  const counters = new CounterDeltas();
  const subtreesBefore = (unitId: string) => idsOnPath(initialPaths.get(unitId));
  for (const id of items.dirty) counters.change(items.initial.get(id) ?? null, items.current.get(id) ?? null, subtreesBefore);
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

/** The last step of a rebuild, also taken by a projector that finds a rebuild died half-way. */
async function finishRebuild(em: EntityManager): Promise<void> {
  await recountCounters(em);
  for (const entity of READ_MODEL_ENTITIES) {
    for (const index of em.connection.getMetadata(entity).indices) {
      const columns = index.columns.map((c) => `"${c.databaseName}"`).join(', ');
      await em.query(`CREATE ${index.isUnique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${index.name}" ON "${index.entityMetadata.tableName}" (${columns})`);
    }
  }
  await em.getRepository(CheckpointRow).delete({ name: COUNTERS_STALE });
  // Fresh statistics: SQLite's planner picks the covering (unit, sort key, id) indexes with them.
  await em.query('ANALYZE');
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
  caughtUp(): Promise<void>;
  waitFor(position: bigint, timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
  /** Rejects when a batch fails (its transaction rolled back; nothing of it is visible). */
  readonly done: Promise<void>;
}

export interface ProjectorOptions {
  batchSize?: number;
  onBatch?: (checkpoint: bigint, events: number) => void;
  /**
   * Run first in every transaction the projector opens (its batches, finishing a rebuild); throwing
   * rolls it back. The projection lease (./lease) fences a stale leader out with it.
   */
  fence?: (em: EntityManager) => Promise<void>;
}

/**
 * Subscribes to the store from the read models' checkpoint; each batch and the checkpoint commit
 * together. Give it a DataSource of its own: on SQLite a shared connection would let readers see a
 * batch before it commits.
 */
export async function startProjector(
  dataSource: DataSource,
  store: EventStore,
  options: ProjectorOptions = {},
): Promise<RunningProjector> {
  await dataSource.transaction(async (em) => {
    await options.fence?.(em);
    if (await em.getRepository(CheckpointRow).findOneBy({ name: COUNTERS_STALE })) await finishRebuild(em);
  });
  const after = await readCheckpoint(dataSource.manager);
  const subscription: Subscription = store.subscribe(
    async (events) => {
      const checkpoint = await dataSource.transaction(async (em) => {
        await options.fence?.(em);
        return applyEvents(em, events);
      });
      options.onBatch?.(checkpoint, events.length);
    },
    { after, batchSize: options.batchSize ?? 1000 },
  );
  return {
    get position() {
      return subscription.position;
    },
    caughtUp: () => subscription.caughtUp(),
    waitFor: (position, timeoutMs) => subscription.waitFor(position, timeoutMs),
    stop: () => subscription.stop(),
    done: subscription.done,
  };
}

export interface RebuildProgress {
  position: bigint;
  head: bigint;
  events: number;
}

/**
 * Clears every read model and replays the whole log from position 0, one transaction per batch.
 * Ends with the same rows as the live projector; run it while no projector writes.
 */
export async function rebuildReadModels(
  dataSource: DataSource,
  store: EventStore,
  options: { batchSize?: number; onProgress?: (p: RebuildProgress) => void } = {},
): Promise<RebuildProgress> {
  const batchSize = options.batchSize ?? 5000;
  // Secondary indexes are dropped while the log is replayed and built once at the end: far cheaper
  // than keeping them up to date row by row. (Opening the read models recreates any left missing.)
  const indices = READ_MODEL_ENTITIES.flatMap((entity) => dataSource.getMetadata(entity).indices);
  await dataSource.transaction(async (em) => {
    for (const entity of READ_MODEL_ENTITIES) await em.query(`DELETE FROM "${em.connection.getMetadata(entity).tableName}"`);
    for (const index of indices) await em.query(`DROP INDEX IF EXISTS "${index.name}"`);
    // Counters and indexes come at the end; if the rebuild dies first, the projector finishes it on start.
    await upsert(em, CheckpointRow, [{ name: COUNTERS_STALE, position: '0' }]);
  });
  const head = await store.headPosition();
  let position = 0n;
  let events = 0;
  try {
    for (;;) {
      const batch = await store.readAll({ after: position, limit: batchSize });
      if (batch.length === 0) break;
      position = await dataSource.transaction((em) => applyEvents(em, batch, { counters: false }));
      events += batch.length;
      options.onProgress?.({ position, head, events });
    }
  } finally {
    await dataSource.transaction(finishRebuild);
  }
  return { position, head, events };
}

