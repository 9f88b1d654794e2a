import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { UnitKind } from '@ledger/contracts/events';

@Entity('rm_unit')
// PostgreSQL: (path COLLATE "C", id), for subtrees as byte ranges (units/queries.ts pathUnder); built by
// its migration alone, as a collation cannot be declared here; a rebuild leaves it in place.
@Index('ix_rm_unit_path_c', { synchronize: false })
export class UnitRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 32 })
  kind: UnitKind;

  @Index('ix_rm_unit_parent')
  @Column({ type: 'varchar', length: 64, nullable: true })
  parentId: string | null;

  /** Materialised path of ids, `/root/child/self/`: a subtree is a path-prefix range. */
  @Index('ix_rm_unit_path')
  @Column({ type: 'varchar', length: 2000 })
  path: string;

  @Column({ type: 'boolean', default: false })
  dissolved: boolean;
}
