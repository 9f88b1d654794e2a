import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AccountRole, AccountStatus, ActorRank } from '@ledger/contracts/events';

/** An account as it is now (issue 16). No secret: the password hash lives in the credentials table. */
@Entity('rm_account')
export class AccountRow {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  /** As written when opened; unique without case (the claim stream). */
  @Index('ix_rm_account_login')
  @Column({ type: 'varchar', length: 64 })
  login: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  phone: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  unitId: string | null;

  @Column({ type: 'simple-json' })
  roles: AccountRole[];

  @Column({ type: 'varchar', length: 16, nullable: true })
  rank: ActorRank | null;

  @Column({ type: 'varchar', length: 12 })
  status: AccountStatus;

  /** An initial or reset password not yet changed by its holder. */
  @Column({ type: 'boolean' })
  mustChangePassword: boolean;

  @Column({ type: 'varchar', length: 40, nullable: true })
  lockedUntil: string | null;

  @Column({ type: 'varchar', length: 40 })
  openedAt: string;

  @Column({ type: 'varchar', length: 40 })
  updatedAt: string;

  @Column({ type: 'integer' })
  revision: number;
}
