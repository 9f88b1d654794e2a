/**
 * The disk under a store is full: SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100), the OS's
 * ENOSPC (and EDQUOT, a quota reached), on the error or on the driver error TypeORM wraps. Nothing
 * was written (the transaction rolled back): the same write succeeds once space is freed, so callers
 * answer "try again later" (507) and keep the writer alive, rather than failing for good.
 */
export function isStorageFull(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { code?: unknown; driverError?: { code?: unknown } };
  for (const code of [err.code, err.driverError?.code]) {
    if (code === 'SQLITE_FULL' || code === '53100' || code === 'ENOSPC' || code === 'EDQUOT') return true;
  }
  return false;
}
