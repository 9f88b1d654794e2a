import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ItemStatus } from '@ledger/contracts/events';

export type CounterOwnerKind = 'unit' | 'cadre';

/**
 * How many items an owner (handling unit or responsible cadre) has per status and, for open items,
 * per due date in force: enough to answer every figure for any `today` without scanning items.
 * Subtree roll-ups join this with the unit paths at query time, so a moved unit takes its figures along.
 */
@Entity('rm_item_counter')
export class ItemCounterRow {
  @PrimaryColumn({ type: 'varchar', length: 8 })
  ownerKind: CounterOwnerKind;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  ownerId: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  status: ItemStatus;

  /** Due date in force for open statuses; '-' for closed ones (their due date does not matter). */
  @PrimaryColumn({ type: 'varchar', length: 10 })
  dueDate: string;

  @Column({ type: 'integer' })
  count: number;

  /** Of `count`, how many were concluded on time (closed statuses only). */
  @Column({ type: 'integer' })
  onTime: number;
}
