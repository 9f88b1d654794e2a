import type { EntityManager } from 'typeorm';
import type { ReplayedEvent } from '@ledger/event-store';
import { CheckpointRow, TEMPORAL_CHECKPOINT } from '../checkpoint/checkpoint.entity';
import { temporalCheckpoint } from '../checkpoint/checkpoints';
import { applyTemporal, type TemporalOptions } from '../temporal/project';
import { upsertRows } from '../db/upsert';
import { freshAfter, projected, type ApplyOptions } from './events';

/**
 * Applies a batch of stored events to the temporal read models and advances their own checkpoint,
 * inside the caller's transaction; skips what they hold, refuses a gap, like applyEvents.
 */
export async function applyTemporalEvents(em: EntityManager, stored: ReplayedEvent[], options: ApplyOptions & TemporalOptions = {}): Promise<bigint> {
  const { fresh, checkpoint } = freshAfter(await temporalCheckpoint(em), stored, options.contiguous ?? true);
  if (fresh.length === 0) return checkpoint;
  await applyTemporal(em, projected(fresh), { bulk: options.bulk });
  await upsertRows(em, CheckpointRow, [{ name: TEMPORAL_CHECKPOINT, position: checkpoint.toString() }]);
  return checkpoint;
}
