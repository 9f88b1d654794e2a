import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AccountabilityForm, AccountabilityTargetKind } from '@ledger/contracts/events';

/** 问责台账: one row per recorded decision. */
@Entity('rm_accountability')
@Index('ix_rm_accountability_target', ['targetKind', 'targetId', 'decidedOn'])
@Index('ix_rm_accountability_decided', ['decidedOn'])
@Index('ix_rm_accountability_item', ['itemId'])
export class AccountabilityDecisionRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  decisionId: string;

  @Column({ type: 'varchar', length: 64 })
  itemId: string;

  @Column({ type: 'varchar', length: 8 })
  targetKind: AccountabilityTargetKind;

  @Column({ type: 'varchar', length: 64 })
  targetId: string;

  @Column({ type: 'varchar', length: 32 })
  form: AccountabilityForm;

  @Column({ type: 'integer', nullable: true })
  dispositionForm: number | null;

  @Column({ type: 'varchar', length: 200 })
  decidedBy: string;

  @Column({ type: 'varchar', length: 10 })
  decidedOn: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  documentNo: string | null;

  @Column({ type: 'integer', nullable: true })
  effectMonths: number | null;

  @Column({ type: 'text' })
  reason: string;

  @Column({ type: 'boolean', default: false })
  revoked: boolean;

  @Column({ type: 'text', nullable: true })
  revokedReason: string | null;

  @Column({ type: 'varchar', length: 40 })
  recordedAt: string;
}
