import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The last event position applied to the read models; written in the same transaction as the rows. */
@Entity('rm_checkpoint')
export class CheckpointRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  /** Decimal string: positions may exceed 2^53. */
  @Column({ type: 'varchar', length: 20 })
  position: string;
}

/** The current-state read models (what `minPosition` waits for). */
export const READ_MODELS_CHECKPOINT = 'read-models';

/** The temporal (as-of) read models: a projection of their own, at or behind the current-state one. */
export const TEMPORAL_CHECKPOINT = 'temporal';
