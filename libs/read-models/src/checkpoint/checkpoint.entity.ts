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

export const READ_MODELS_CHECKPOINT = 'read-models';
