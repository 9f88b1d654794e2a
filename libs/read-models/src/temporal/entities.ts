import { Column, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';
import type { AccountRole, AccountStatus, ActorRank, UnitKind } from '@ledger/contracts/events';
import type { CounterOwnerKind } from '../figures/item-counter.entity';
import { ItemColumns } from '../items/item.entity';

/**
 * The temporal read models: versions valid from one global position to another (`fromPosition` ≤ p <
 * `toPosition`), so that any read "as of position p" is an index seek, never a replay. The version
 * in force now has `toPosition` = OPEN_END. `fromAt` is the instant the version became valid (the
 * watermark: the latest recordedAt of the log up to fromPosition).
 */
export const OPEN_END = Number.MAX_SAFE_INTEGER;

/** PostgreSQL returns bigint as a string; every position here stays below 2^53. */
const asNumber: ValueTransformer = {
  to: (v: unknown) => v,
  from: (v: unknown) => (v === null || v === undefined ? v : Number(v)),
};

/** Instant → position: the last position whose watermark is this instant (ms since the epoch). */
@Entity('rm_t_mark')
export class TimeMarkRow {
  @PrimaryColumn({ type: 'bigint', transformer: asNumber })
  atMs: number;

  @Column({ type: 'bigint', transformer: asNumber })
  position: number;
}

@Entity('rm_t_unit')
// The units of a subtree at p (temporal/queries.ts): (path, fromPosition, toPosition, unitId), built by
// its migration alone, on PostgreSQL with the path COLLATE "C", which an index declared here cannot
// say; a rebuild leaves it in place.
@Index('ix_rm_t_unit_path', { synchronize: false })
@Index('ix_rm_t_unit_parent', ['parentId', 'fromPosition'])
export class UnitVersionRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  unitId: string;

  @PrimaryColumn({ type: 'bigint', transformer: asNumber })
  fromPosition: number;

  @Column({ type: 'bigint', transformer: asNumber })
  toPosition: number;

  @Column({ type: 'varchar', length: 40 })
  fromAt: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 32 })
  kind: UnitKind;

  @Column({ type: 'varchar', length: 64, nullable: true })
  parentId: string | null;

  @Column({ type: 'varchar', length: 2000 })
  path: string;

  @Column({ type: 'boolean', default: false })
  dissolved: boolean;
}

@Entity('rm_t_cadre')
export class CadreVersionRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  cadreId: string;

  @PrimaryColumn({ type: 'bigint', transformer: asNumber })
  fromPosition: number;

  @Column({ type: 'bigint', transformer: asNumber })
  toPosition: number;

  @Column({ type: 'varchar', length: 40 })
  fromAt: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 64 })
  unitId: string;

  @Column({ type: 'varchar', length: 200 })
  post: string;

  @Column({ name: 'has_left', type: 'boolean', default: false })
  left: boolean;
}

/**
 * One version of an item view (every event of the item opens one): the item row's columns (ItemColumns,
 * not restated here), keyed by item and position, with what only the inspectors' figures need.
 */
@Entity('rm_t_item')
// Lists as of p: the units of a subtree, then the versions in force at p. Covering for the filter,
// the count, the light and the default sort: a page is chosen from the index alone (20 row reads).
@Index('ix_rm_t_item_unit_cover', ['unitId', 'fromPosition', 'toPosition', 'dueDate', 'status', 'id'])
@Index('ix_rm_t_item_to', ['toPosition', 'fromPosition'])
// The same by the end of the version, for cuts late in the history (few versions end after them).
@Index('ix_rm_t_item_unit_to', ['unitId', 'toPosition', 'fromPosition', 'dueDate', 'status', 'id'])
export class ItemVersionRow extends ItemColumns {
  /** The item's id: a version is an item row (evolveItem folds it as one), stored as "itemId". */
  @PrimaryColumn({ name: 'itemId', type: 'varchar', length: 64 })
  id: string;

  @PrimaryColumn({ type: 'bigint', transformer: asNumber })
  fromPosition: number;

  @Column({ type: 'bigint', transformer: asNumber })
  toPosition: number;

  @Column({ type: 'varchar', length: 40 })
  fromAt: string;

  /** County date of the assignment (定责), for the inspectors' figures. */
  @Column({ type: 'varchar', length: 10 })
  assignedOn: string;

  /** Counts so far: completions returned (退回), extensions granted, urges of any level. */
  @Column({ type: 'integer', default: 0 })
  returns: number;

  @Column({ type: 'integer', default: 0 })
  extensions: number;

  @Column({ type: 'integer', default: 0 })
  urges: number;
}

/**
 * The counter changes of one position (the same owners as rm_item_counter: unit and subtree), packed
 * into one row: `[[owners, tuples], …]` where owners are 'u:<unitId>' / 's:<unitId>' and tuples
 * `[status, dueDate, count, onTime]` (see counters.ts). Positions without a change have no row.
 */
@Entity('rm_t_counter_change')
export class CounterChangeRow {
  @PrimaryColumn({ type: 'bigint', transformer: asNumber })
  position: number;

  @Column({ type: 'text' })
  changes: string;
}

/**
 * One owner's counter changes summed over an epoch (epoch e holds the log's events e·E+1 … (e+1)·E,
 * counted in order, whatever their positions: rm_t_epoch), written once when the epoch closes; `counts` packs `[[status, dueDate, count, onTime], …]`.
 */
@Entity('rm_t_counter_epoch')
export class CounterEpochRow {
  @PrimaryColumn({ type: 'varchar', length: 8 })
  ownerKind: CounterOwnerKind;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  ownerId: string;

  @PrimaryColumn({ type: 'integer' })
  epoch: number;

  @Column({ type: 'text' })
  counts: string;
}

/**
 * One owner's counters summed over every position before epoch `epoch` (a multiple of the snapshot
 * span), packed as in rm_t_counter_epoch (`[]`: all zero). Written only for the owners that changed
 * since the snapshot before: an owner's snapshot as of epoch s is its newest row at or before s.
 * Figures as of p = one snapshot + the whole epochs since it + the change rows of p's epoch up to p.
 */
@Entity('rm_t_counter_snapshot')
export class CounterSnapshotRow {
  @PrimaryColumn({ type: 'varchar', length: 8 })
  ownerKind: CounterOwnerKind;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  ownerId: string;

  @PrimaryColumn({ type: 'integer' })
  epoch: number;

  @Column({ type: 'text' })
  counts: string;
}

/**
 * The counters' epochs (counters.ts): how many events each holds so far (E once closed) and the
 * position of its last. Epochs count events because positions may have gaps (EventStoreDB).
 */
@Entity('rm_t_epoch')
export class EpochRow {
  @PrimaryColumn({ type: 'integer' })
  epoch: number;

  @Column({ type: 'integer' })
  events: number;

  @Column({ type: 'bigint', transformer: asNumber })
  lastPosition: number;
}

export type ItemFactKind = 'assigned' | 'returned' | 'extended' | 'urged' | 'concluded';

/**
 * The inspectors' facts: one row per assignment, return, granted extension, urge and conclusion,
 * with the handling unit (and its path) and cadre in force when it happened.
 */
@Entity('rm_t_item_fact')
@Index('ix_rm_t_item_fact_day', ['day', 'kind'])
@Index('ix_rm_t_item_fact_cadre', ['cadreId', 'day'])
export class ItemFactRow {
  @PrimaryColumn({ type: 'bigint', transformer: asNumber })
  position: number;

  @Column({ type: 'varchar', length: 64 })
  itemId: string;

  @Column({ type: 'varchar', length: 12 })
  kind: ItemFactKind;

  /** County date it happened (for a conclusion: the concludedOn it states). */
  @Column({ type: 'varchar', length: 10 })
  day: string;

  @Column({ type: 'varchar', length: 64 })
  unitId: string;

  @Column({ type: 'varchar', length: 2000 })
  unitPath: string;

  @Column({ type: 'varchar', length: 64 })
  cadreId: string;

  /** On conclusions: calendar days from the assignment date to the conclusion date. */
  @Column({ type: 'integer', nullable: true })
  days: number | null;

  /** On conclusions: the item's returns, extensions and urges up to it. */
  @Column({ type: 'integer', default: 0 })
  returns: number;

  @Column({ type: 'integer', default: 0 })
  extensions: number;

  @Column({ type: 'integer', default: 0 })
  urges: number;
}

/** Versions of an account (issue 16): who held which role, bound to which unit, as of any position. */
@Entity('rm_t_account')
export class AccountVersionRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  accountId: string;

  @PrimaryColumn({ type: 'bigint', transformer: asNumber })
  fromPosition: number;

  @Column({ type: 'bigint', transformer: asNumber })
  toPosition: number;

  @Column({ type: 'varchar', length: 40 })
  fromAt: string;

  @Column({ type: 'varchar', length: 64 })
  login: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  unitId: string | null;

  @Column({ type: 'simple-json' })
  roles: AccountRole[];

  @Column({ type: 'varchar', length: 16, nullable: true })
  rank: ActorRank | null;

  @Column({ type: 'varchar', length: 12 })
  status: AccountStatus;
}

export const TEMPORAL_ENTITIES = [
  TimeMarkRow,
  UnitVersionRow,
  CadreVersionRow,
  ItemVersionRow,
  CounterChangeRow,
  CounterEpochRow,
  CounterSnapshotRow,
  EpochRow,
  ItemFactRow,
  AccountVersionRow,
];
