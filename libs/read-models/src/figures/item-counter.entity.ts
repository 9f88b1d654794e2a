import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ItemStatus } from '@ledger/contracts/events';

/** `unit`: items the unit itself handles; `subtree`: items handled anywhere in its subtree; `cadre`: items it answers for. */
/** The pseudo-status of the rows that count open items by due date in force. */
export const OPEN_BY_DUE_DATE = 'open';

export type CounterOwnerKind = 'unit' | 'subtree' | 'cadre';

/**
 * How many items an owner (a unit alone, a unit's subtree, a responsible cadre) has per status and
 * how many open ones per due date in force: enough to answer every figure for any `today` without
 * scanning items. Subtree rows are kept rolled up (a figure is one owner's rows); a moved unit's own
 * rows are taken off its old ancestors and added to its new ones in the same transaction.
 */
@Entity('rm_item_counter')
export class ItemCounterRow {
  @PrimaryColumn({ type: 'varchar', length: 8 })
  ownerKind: CounterOwnerKind;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  ownerId: string;

  /** An item status (rows dated '-'), or 'open' for open items by due date. */
  @PrimaryColumn({ type: 'varchar', length: 16 })
  status: ItemStatus | typeof OPEN_BY_DUE_DATE;

  /** The due date in force on 'open' rows; '-' on status rows. */
  @PrimaryColumn({ type: 'varchar', length: 10 })
  dueDate: string;

  @Column({ type: 'integer' })
  count: number;

  /** Of `count`, how many were concluded on time (closed statuses only). */
  @Column({ type: 'integer' })
  onTime: number;
}
