import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ItemStatus, UrgeLevel } from '@ledger/contracts/events';

/**
 * The item view's columns, defined once: the item as it stands now (ItemRow, rm_item) and each version
 * of it (ItemVersionRow, rm_t_item) are these columns with their own keys, so that a field added here
 * reaches both and evolveItem folds either. Lights and the overdue flag are NOT stored: they depend on
 * today and are computed at query time from `dueDate` (the due date in force).
 */
export abstract class ItemColumns {
  /** The item's id (a subclass declares its column: the key of each table differs). */
  abstract id: string;

  @Column({ type: 'varchar', length: 64 })
  sheetId: string;

  @Column({ type: 'varchar', length: 500 })
  title: string;

  @Column({ type: 'text' })
  requirements: string;

  @Column({ type: 'varchar', length: 64 })
  unitId: string;

  @Column({ type: 'simple-json' })
  supportUnitIds: string[];

  @Column({ type: 'varchar', length: 64 })
  cadreId: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  leaderId: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: ItemStatus;

  /** The due date in force (after granted extensions). */
  @Column({ type: 'varchar', length: 10 })
  dueDate: string;

  @Column({ type: 'varchar', length: 10 })
  originalDueDate: string;

  /** The county date it was concluded (or struck off without a conclusion); null while open. */
  @Column({ type: 'varchar', length: 10, nullable: true })
  concludedOn: string | null;

  /** Concluded on or before the due date in force; null while not concluded. */
  @Column({ type: 'boolean', nullable: true })
  onTime: boolean | null;

  /** Highest urge level so far (提醒 < 催办 < 督办 < 挂牌督办). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  urgeLevel: UrgeLevel | null;

  /** Accountability decisions on the item that are not revoked. */
  @Column({ type: 'integer', default: 0 })
  accountabilityCount: number;

  /**
   * Those decisions' ids, a JSON array: what a revocation needs to know to count (one revoked twice,
   * or never recorded, changes nothing). Kept in the row, not looked up beside the fold, so that every
   * fold of the view (current, temporal, rebuilds) counts alike. Not part of the ItemView.
   */
  @Column({ type: 'text', default: '[]' })
  liveDecisionIds: string;

  /** Last due date a DeadlineMissed was recorded for. */
  @Column({ type: 'varchar', length: 10, nullable: true })
  deadlineMissedFor: string | null;

  @Column({ type: 'varchar', length: 40 })
  createdAt: string;

  @Column({ type: 'varchar', length: 40 })
  updatedAt: string;

  /** The item stream's revision after its last event (the ETag). */
  @Column({ type: 'integer' })
  revision: number;

  /** Global position of its last event, decimal string. */
  @Column({ type: 'varchar', length: 20 })
  position: string;
}

/** One checklist item as it stands now. */
@Entity('rm_item')
// Sorted lists page over (sort key, id); subtree counts seek (unit, status) for each unit of the subtree,
// and a subtree's lights sorted by update are read from (unit, status, due date, updatedAt, id) alone.
@Index('ix_rm_item_unit_status_due_updated', ['unitId', 'status', 'dueDate', 'updatedAt', 'id'])
@Index('ix_rm_item_unit_due_id', ['unitId', 'dueDate', 'id'])
@Index('ix_rm_item_unit_updated_id', ['unitId', 'updatedAt', 'id'])
@Index('ix_rm_item_cadre_due', ['cadreId', 'dueDate'])
@Index('ix_rm_item_sheet_due', ['sheetId', 'dueDate'])
@Index('ix_rm_item_sheet_status_due', ['sheetId', 'status', 'dueDate', 'id'])
@Index('ix_rm_item_status_due', ['status', 'dueDate', 'id'])
@Index('ix_rm_item_due', ['dueDate', 'id'])
@Index('ix_rm_item_updated', ['updatedAt', 'id'])
export class ItemRow extends ItemColumns {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;
}

/** The item fields whose values many items share (ids, dates, instants, texts): see shareStrings. */
export const ITEM_SHARED_FIELDS = [
  'sheetId',
  'title',
  'requirements',
  'unitId',
  'cadreId',
  'leaderId',
  'dueDate',
  'originalDueDate',
  'concludedOn',
  'deadlineMissedFor',
  'createdAt',
  'updatedAt',
] as const satisfies readonly (keyof ItemRow)[];
