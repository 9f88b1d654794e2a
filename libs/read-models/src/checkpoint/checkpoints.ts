import type { DataSource, EntityManager } from 'typeorm';
import { ReadModelsBehindError } from '../errors';
import { isPostgres, placeholders } from '../db/sql';
import { READ_MODELS_CHECKPOINT, TEMPORAL_CHECKPOINT } from './checkpoint.entity';

async function named(db: DataSource | EntityManager, name: string): Promise<bigint | null> {
  const rows: { position: string }[] = await db.query(placeholders(`SELECT "position" FROM "rm_checkpoint" WHERE "name" = ?`, isPostgres(db)), [name]);
  return rows.length ? BigInt(rows[0].position) : null;
}

/** The last position the current-state read models include (0n: none). */
export async function currentStateCheckpoint(db: DataSource | EntityManager): Promise<bigint> {
  return (await named(db, READ_MODELS_CHECKPOINT)) ?? 0n;
}

/**
 * The last position the temporal read models include. Before they had a checkpoint of their own they
 * were written with the current-state batch, and their newest instant mark is the last event they
 * hold: a database written before the split (or whose temporal tables a migration cleared without a
 * row) goes on from there, neither twice nor skipping.
 */
export async function temporalCheckpoint(db: DataSource | EntityManager): Promise<bigint> {
  const own = await named(db, TEMPORAL_CHECKPOINT);
  if (own !== null) return own;
  const rows: { position: unknown }[] = await db.query(`SELECT MAX("position") AS "position" FROM "rm_t_mark"`);
  return rows.length && rows[0].position !== null ? BigInt(String(rows[0].position)) : 0n;
}

/** Polls `probe` (5 ms doubling to 50 ms) until it holds or `timeoutMs` passes. */
export async function pollUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 50)) {
    if (await probe()) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((r) => setTimeout(r, Math.min(pause, left)));
  }
}

/** Waits until the temporal read models include `position`; ReadModelsBehindError (503) after `timeoutMs`. */
export async function ensureTemporalPosition(db: DataSource, position: bigint, timeoutMs = 5000): Promise<void> {
  if (position <= 0n) return;
  if (await pollUntil(async () => (await temporalCheckpoint(db)) >= position, timeoutMs)) return;
  throw new ReadModelsBehindError(position, await temporalCheckpoint(db));
}

/**
 * Waits until the temporal read models can answer as of `instantMs` exactly: they hold an event
 * recorded after the instant (so no later event can belong to the cut), or they have caught up with
 * the current-state read models (whatever those include, the cut includes too). An instant they do
 * not cover yet is never answered from fewer events: ReadModelsBehindError (503) after `timeoutMs`.
 */
export async function ensureTemporalCovers(db: DataSource, instantMs: number, timeoutMs = 5000): Promise<void> {
  const target = await currentStateCheckpoint(db);
  const pg = isPostgres(db);
  const covered = async () => {
    if ((await temporalCheckpoint(db)) >= target) return true;
    const later: unknown[] = await db.query(placeholders(`SELECT 1 FROM "rm_t_mark" WHERE "atMs" > ? LIMIT 1`, pg), [instantMs]);
    return later.length > 0;
  };
  if (await pollUntil(covered, timeoutMs)) return;
  throw new ReadModelsBehindError(target, await temporalCheckpoint(db));
}

/** `minPosition` of every query: waits until the current-state read models include `position`, then ReadModelsBehindError (503 + Retry-After). */
export async function ensureCurrentPosition(db: DataSource, position: bigint | null | undefined, timeoutMs = 5000): Promise<void> {
  if (position === null || position === undefined || position <= 0n) return;
  if (await pollUntil(async () => (await currentStateCheckpoint(db)) >= position, timeoutMs)) return;
  throw new ReadModelsBehindError(position, await currentStateCheckpoint(db));
}
