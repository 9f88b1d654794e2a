import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One answered command under an Idempotency-Key. `scope` is user + method + path + key, hashed, so
 * the same key from two users or on two routes never collides.
 */
@Entity({ name: 'api_idempotency_keys' })
export class IdempotencyRecord {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  scope: string;

  /** SHA-256 of the canonical request body. */
  @Column({ type: 'varchar', length: 64 })
  fingerprint: string;

  @Column({ type: 'integer' })
  status: number;

  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'varchar', length: 40 })
  createdAt: string;
}
