/**
 * The disk under a store is full: SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100), the OS's
 * ENOSPC (and EDQUOT, a quota reached), on the error or on the driver error TypeORM wraps. Nothing
 * was written (the transaction rolled back): the same write succeeds once space is freed, so callers
 * answer "try again later" (507) and keep the writer alive, rather than failing for good.
 */
export function isStorageFull(e: unknown): boolean {
  return errorCodes(e).some((code) => code === 'SQLITE_FULL' || code === '53100' || code === 'ENOSPC' || code === 'EDQUOT');
}

/**
 * Another SQLite connection holds the lock this one needed (SQLITE_BUSY and its extended codes), past
 * the busy timeout or at once for a stale snapshot: nothing was written, the same write may succeed later.
 */
export function isSqliteBusy(e: unknown): boolean {
  return errorCodes(e).some((code) => typeof code === 'string' && code.startsWith('SQLITE_BUSY'));
}

/** The error's code and that of the driver error TypeORM wraps. */
function errorCodes(e: unknown): unknown[] {
  if (typeof e !== 'object' || e === null) return [];
  const err = e as { code?: unknown; driverError?: { code?: unknown } };
  return [err.code, err.driverError?.code];
}
