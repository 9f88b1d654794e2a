import * as path from 'node:path';

/**
 * Jest runs the suites one after another in one process (in band, on 2 cores), and better-sqlite3's
 * native addon is loaded once per process: it would go on building its SqliteError from the first
 * suite's realm, which a later suite does not take for an Error (`rejects.toThrow()` then reports
 * "did not throw"). Cleared before each suite, so that the suite's own better-sqlite3 sets it again.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- better-sqlite3's own loader (untyped, not our dependency), reached as it reaches its addon
const addon = require('bindings')({
  bindings: 'better_sqlite3.node',
  module_root: path.dirname(require.resolve('better-sqlite3/package.json')),
}) as { isInitialized?: boolean };
addon.isInitialized = false;
