import type { EntityManager } from 'typeorm';
import type { ReplayedEvent } from '@ledger/event-store';
import { CheckpointRow, TEMPORAL_CHECKPOINT } from '../checkpoint/checkpoint.entity';
import { readBatchStart, temporalCheckpoint, type BatchStart } from '../checkpoint/checkpoints';
import { applyTemporal, type TemporalOptions } from '../temporal/project';
import { upsertRows } from '../db/upsert';
import { WriteBatch } from '../db/write-batch';
import { freshAfter, projected, type ApplyOptions } from './events';

/**
 * Applies a batch of stored events to the temporal read models and advances their own checkpoint,
 * inside the caller's transaction; skips what they hold, refuses a gap, like applyEvents. The
 * checkpoint, the newest mark and epoch are read in one statement (or given: `start`), and the rows
 * and the checkpoint written together (`writes`: left pending there for the caller to send;
 * `checkpoints`: the checkpoint row left for the caller to write with its own).
 */
export async function applyTemporalEvents(
  em: EntityManager,
  stored: ReplayedEvent[],
  options: ApplyOptions & TemporalOptions & { start?: BatchStart; checkpoints?: CheckpointRow[] } = {},
): Promise<bigint> {
  const start = options.bulk ? null : (options.start ?? (await readBatchStart(em)));
  const { fresh, checkpoint } = freshAfter(start ? start.temporal : await temporalCheckpoint(em), stored, options.contiguous ?? true);
  if (fresh.length === 0) return checkpoint;
  const writes = options.bulk ? undefined : (options.writes ?? new WriteBatch(em));
  await applyTemporal(em, projected(fresh), { bulk: options.bulk, writes, start: start ?? undefined });
  const row = { name: TEMPORAL_CHECKPOINT, position: checkpoint.toString() };
  if (options.checkpoints) options.checkpoints.push(row);
  else await upsertRows(em, CheckpointRow, [row], [], undefined, writes);
  if (writes && !options.writes) await writes.flush();
  return checkpoint;
}
