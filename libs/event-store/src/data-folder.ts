import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The data folder holds the ledger (names, units, decisions), the JWT secret and the seal key: only
 * its owner may enter it or read its files.
 */
export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/** Creates a folder of the data (mode 0700) where it is missing; an existing one is left as it is (startWarnings names it). */
export function ensureDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
}

/**
 * Creates an SQLite database file (mode 0600) before SQLite opens it, which would otherwise create it
 * under the umask (0644). SQLite gives the -wal, -shm and -journal files it makes beside a database
 * the database file's own mode, so they are 0600 too. An existing file is left as it is.
 */
export function ensureDatabaseFile(file: string): void {
  ensureDataDir(path.dirname(file));
  fs.closeSync(fs.openSync(file, 'a', DATA_FILE_MODE));
}

const SQLITE_FILE = /\.sqlite(-wal|-shm|-journal)?$/;

/**
 * One line per secret file, database or data folder that other users may read (or enter), for the
 * operator to tighten: the data folder, every SQLite file in it, the JWT secret, the demo sign-in
 * list (it holds tokens) and the `extra` files (the seal key). Missing files are skipped.
 */
export function exposedDataFiles(dataDir: string, extra: string[] = []): string[] {
  const lines: string[] = [];
  const check = (file: string, isDir: boolean) => {
    let mode: number;
    try {
      mode = fs.statSync(file).mode & 0o777;
    } catch {
      return;
    }
    if ((mode & 0o077) === 0) return;
    const wanted = isDir ? '700' : '600';
    lines.push(`${file} is open to other users (mode ${mode.toString(8).padStart(4, '0')}): chmod ${wanted} '${file}'`);
  };
  check(dataDir, true);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dataDir);
  } catch {
    // No folder yet: nothing to warn about.
  }
  for (const name of names.sort()) {
    if (SQLITE_FILE.test(name) || name === 'jwt-secret' || name === 'demo-users.json') check(path.join(dataDir, name), false);
  }
  for (const file of extra) check(file, false);
  return [...new Set(lines)];
}
