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

/** What a batch that applies both projections reads before it writes anything. */
export interface BatchStart {
  current: bigint;
  temporal: bigint;
  /** The newest instant mark (null: none yet). */
  mark: { atMs: number; position: number } | null;
  /** The two newest rm_t_epoch rows, newest first (openEpochOf). */
  epochs: { epoch: number; events: number; lastPosition: number }[];
}

/**
 * The two checkpoints, the newest mark and the newest epochs in one statement: on PostgreSQL each
 * statement of a live batch is a round trip that waits for a core on a busy machine, and these were four.
 */
export async function readBatchStart(db: DataSource | EntityManager): Promise<BatchStart> {
  const text = (c: string) => `CAST(${c} AS TEXT)`;
  const rows: { k: string; name: string | null; a: string; b: string | null; c: string | null }[] = await db.query(
    placeholders(
      `SELECT 'c' AS "k", "name", ${text('"position"')} AS "a", NULL AS "b", NULL AS "c" FROM "rm_checkpoint" WHERE "name" IN (?, ?) ` +
        `UNION ALL SELECT * FROM (SELECT 'm' AS "k", NULL AS "name", ${text('"atMs"')} AS "a", ${text('"position"')} AS "b", NULL AS "c" FROM "rm_t_mark" ORDER BY "atMs" DESC LIMIT 1) AS "m" ` +
        `UNION ALL SELECT * FROM (SELECT 'e' AS "k", NULL AS "name", ${text('"epoch"')} AS "a", ${text('"events"')} AS "b", ${text('"lastPosition"')} AS "c" FROM "rm_t_epoch" ORDER BY "epoch" DESC LIMIT 2) AS "e"`,
      isPostgres(db),
    ),
    [READ_MODELS_CHECKPOINT, TEMPORAL_CHECKPOINT],
  );
  const named = new Map(rows.filter((r) => r.k === 'c').map((r) => [r.name, BigInt(r.a)]));
  const mark = rows.find((r) => r.k === 'm');
  return {
    current: named.get(READ_MODELS_CHECKPOINT) ?? 0n,
    // Without a row of its own: the newest mark's position, as temporalCheckpoint answers.
    temporal: named.get(TEMPORAL_CHECKPOINT) ?? (mark ? BigInt(mark.b!) : 0n),
    mark: mark ? { atMs: Number(mark.a), position: Number(mark.b) } : null,
    epochs: rows
      .filter((r) => r.k === 'e')
      .map((r) => ({ epoch: Number(r.a), events: Number(r.b), lastPosition: Number(r.c) }))
      .sort((x, y) => y.epoch - x.epoch),
  };
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
