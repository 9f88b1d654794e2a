import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('rm_cadre')
export class CadreRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Index('ix_rm_cadre_unit')
  @Column({ type: 'varchar', length: 64 })
  unitId: string;

  @Column({ type: 'varchar', length: 200 })
  post: string;

  /** Column renamed: LEFT is an SQL keyword. */
  @Column({ name: 'has_left', type: 'boolean', default: false })
  left: boolean;
}
