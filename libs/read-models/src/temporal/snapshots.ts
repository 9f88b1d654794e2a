import { EPOCH_SIZE, SNAPSHOT_EPOCHS } from './entities';

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

/** `?` placeholders, numbered for PostgreSQL. */
export function placeholders(sql: string, postgres: boolean): string {
  if (!postgres) return sql;
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const COLUMNS = `"ownerKind", "ownerId", status, "dueDate", count, "onTime"`;

/**
 * Snapshot `epoch` (a multiple of SNAPSHOT_EPOCHS) = the previous snapshot + the epochs since it.
 * Every epoch before `epoch` must be complete (the log applied up to position epoch·EPOCH_SIZE).
 * Idempotent: a snapshot already there is replaced by the same rows.
 */
export async function writeSnapshot(query: Query, postgres: boolean, epoch: number): Promise<void> {
  const previous = epoch - SNAPSHOT_EPOCHS;
  await query(placeholders(`DELETE FROM "rm_t_counter_snapshot" WHERE epoch = ?`, postgres), [epoch]);
  await query(
    placeholders(
      `INSERT INTO "rm_t_counter_snapshot" ("ownerKind", "ownerId", epoch, status, "dueDate", count, "onTime") ` +
        `SELECT x."ownerKind", x."ownerId", ?, x.status, x."dueDate", SUM(x.count), SUM(x."onTime") FROM (` +
        `SELECT ${COLUMNS} FROM "rm_t_counter_snapshot" WHERE epoch = ? ` +
        `UNION ALL SELECT ${COLUMNS} FROM "rm_t_counter_epoch" WHERE epoch >= ? AND epoch < ?` +
        `) x GROUP BY x."ownerKind", x."ownerId", x.status, x."dueDate" HAVING SUM(x.count) <> 0 OR SUM(x."onTime") <> 0`,
      postgres,
    ),
    [epoch, previous, Math.max(0, previous), epoch],
  );
}

/** The snapshots due when the log grows from `before` to `after` positions (both applied in full at the end). */
export function snapshotsBetween(before: number, after: number): number[] {
  const span = SNAPSHOT_EPOCHS * EPOCH_SIZE;
  const out: number[] = [];
  for (let at = (Math.floor(before / span) + 1) * span; at <= after; at += span) out.push((at / EPOCH_SIZE) | 0);
  return out;
}
