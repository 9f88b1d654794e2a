import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { holdItemVersions } from '../temporal/project';

/**
 * SQLite read models as generations: `read-models.sqlite` is generation 0, `read-models.<n>.sqlite`
 * generation n. The control file `read-models.active` names the live one (absent: generation 0); a
 * rebuild writes generation n+1 beside it and switches by renaming a new control file over the old
 * (one atomic step), so that every process sees either the old set or the new one, never a mix.
 */
export const ACTIVE_CONTROL_FILE = 'read-models.active';
const GENERATION_FILE = /^read-models(?:\.(\d+))?\.sqlite$/;

export function generationOf(file: string): number | null {
  const m = GENERATION_FILE.exec(path.basename(file));
  return m ? Number(m[1] ?? 0) : null;
}

export function generationFile(generation: number): string {
  return generation === 0 ? 'read-models.sqlite' : `read-models.${generation}.sqlite`;
}

/** The live generation's file name (not its path); a control file naming anything else is an error. */
export function activeGenerationFile(dataDir: string): string {
  let named: string;
  try {
    named = fs.readFileSync(path.join(dataDir, ACTIVE_CONTROL_FILE), 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return generationFile(0);
    throw e;
  }
  if (generationOf(named) === null)
    throw new Error(`${path.join(dataDir, ACTIVE_CONTROL_FILE)} names ${JSON.stringify(named)}, not a read-model generation file`);
  return named;
}

/** Every generation file in the folder, live or not, by generation. */
export function generationFiles(dataDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dataDir);
  } catch {
    return [];
  }
  return names.filter((n) => generationOf(n) !== null).sort((a, b) => generationOf(a)! - generationOf(b)!);
}

/** A generation number above every one in the folder (a crashed rebuild's leftovers included). */
export function nextGeneration(dataDir: string): number {
  return Math.max(generationOf(activeGenerationFile(dataDir))!, ...generationFiles(dataDir).map((f) => generationOf(f)!)) + 1;
}

/** Makes `file` the live generation: a new control file, synced, renamed over the old one, the folder synced. */
export function switchActiveGeneration(dataDir: string, file: string): void {
  if (generationOf(file) === null) throw new Error(`not a read-model generation file: ${file}`);
  const control = path.join(dataDir, ACTIVE_CONTROL_FILE);
  const next = `${control}.${process.pid}.tmp`;
  const fd = fs.openSync(next, 'w');
  try {
    fs.writeSync(fd, `${file}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(next, control);
  const dir = fs.openSync(dataDir, 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
  for (const told of followers.get(path.resolve(dataDir)) ?? []) told();
}

interface BetterSqlite3 {
  close(): void;
  pragma(source: string, options?: { simple?: boolean }): unknown;
}

/**
 * Whether no connection has `file` open: leaving WAL mode needs every other connection gone (each one
 * holds a shared lock on the WAL index as long as it is open, idle or not), and fails at once otherwise.
 */
function letGo(file: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- better-sqlite3's constructor, loaded as TypeORM loads it
  const Database = require('better-sqlite3') as new (file: string, options: { timeout: number; fileMustExist: boolean }) => BetterSqlite3;
  let db: BetterSqlite3;
  try {
    db = new Database(file, { timeout: 0, fileMustExist: true });
  } catch {
    return !fs.existsSync(file);
  }
  try {
    return db.pragma('journal_mode = DELETE', { simple: true }) === 'delete';
  } catch {
    return false;
  } finally {
    db.close();
  }
}

/**
 * Deletes a generation that is not live, once no process has it open (a process still reading it
 * after a switch lets go at its next query); false when one still has it (the next rebuild tries again).
 */
export function dropGeneration(dataDir: string, file: string): boolean {
  if (file === activeGenerationFile(dataDir)) throw new Error(`${file} is the live read-model generation`);
  const at = path.join(dataDir, file);
  if (!letGo(at)) return false;
  for (const suffix of ['-wal', '-shm', '']) fs.rmSync(`${at}${suffix}`, { force: true });
  return true;
}

/** A crashed or stopped rebuild's generation, and old ones a slow process held on to: dropped if let go. */
export function dropDeadGenerations(dataDir: string): { dropped: string[]; held: string[] } {
  const live = activeGenerationFile(dataDir);
  const dropped: string[] = [];
  const held: string[] = [];
  for (const file of generationFiles(dataDir)) if (file !== live) (dropGeneration(dataDir, file) ? dropped : held).push(file);
  return { dropped, held };
}

/** How often a following DataSource looks at the control file whatever it has heard (a watcher may miss an event). */
const FOLLOW_POLL_MS = 200;
/** The following DataSources of this process, by data folder: a switch made here is seen by their next query. */
const followers = new Map<string, Set<() => void>>();
/** How long an old connection stays open after a switch: a query that took its statement just before finishes on it. */
const OLD_CONNECTION_GRACE_MS = 2000;

interface SwitchableDriver {
  databaseConnection: BetterSqlite3;
  options: { prepareDatabase?: (db: BetterSqlite3) => unknown };
  queryRunner?: { isTransactionActive: boolean; stmtCache?: Map<string, unknown> };
}

/**
 * Keeps a SQLite read-model DataSource on the live generation: it compares the control file with the
 * one it opened when told the file may have changed (a switch in this process, a watcher of the folder
 * for the others') and every FOLLOW_POLL_MS besides, and on a switch moves to the new generation's
 * file before its next query, transaction or query runner, between two transactions, never inside one.
 * A query itself costs no look at the file: the switch is fenced by the leases (the old set's writers
 * are refused once the rebuild took them) and the old file is dropped only once nothing has it open, so
 * a query on the old set a moment after the switch reads figures that are only behind. TypeORM holds one
 * better-sqlite3 connection per DataSource: the connection is replaced under it, so that every module
 * holding the DataSource follows without a restart.
 */
export function followActiveGeneration(ds: DataSource, dataDir: string, openedFile: string): void {
  const driver = ds.driver as unknown as SwitchableDriver;
  const control = path.join(dataDir, ACTIVE_CONTROL_FILE);
  let seen = controlStamp(control);
  let current = openedFile;
  let stopped = false;
  /** The control file may have changed since `seen`: the next query looks. */
  let told = false;
  const tell = () => void (told = true);
  const here = path.resolve(dataDir);
  if (!followers.has(here)) followers.set(here, new Set());
  followers.get(here)!.add(tell);
  let watcher: fs.FSWatcher | null = null;
  try {
    // The folder, not the file: a switch renames a new control file over the old one.
    watcher = fs.watch(dataDir, { persistent: false }, (_event, name) => {
      if (name === null || name === ACTIVE_CONTROL_FILE) told = true;
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = null;
    });
  } catch {
    watcher = null; // no watcher here (e.g. inotify limits): the poll alone finds a switch
  }
  const check = () => {
    if (stopped || !ds.isInitialized) return;
    const stamp = controlStamp(control);
    if (stamp === seen) return void (told = false);
    if (driver.queryRunner?.isTransactionActive) return void (told = true); // between transactions only: the next query moves
    let file: string;
    try {
      file = activeGenerationFile(dataDir);
    } catch {
      return; // a control file being written by hand: keep the set in use
    }
    seen = stamp;
    told = false;
    if (file === current) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- better-sqlite3's constructor, loaded as TypeORM loads it
    const Database = require('better-sqlite3') as new (file: string, options: { fileMustExist: boolean; timeout: number }) => BetterSqlite3;
    let next: BetterSqlite3;
    try {
      next = new Database(path.join(dataDir, file), { fileMustExist: true, timeout: 5000 });
      driver.options.prepareDatabase?.(next);
      next.pragma('foreign_keys = ON');
      next.pragma('journal_mode = WAL');
    } catch {
      seen = ''; // not there (yet): look again next time
      told = true;
      return;
    }
    const old = driver.databaseConnection;
    driver.databaseConnection = next;
    driver.queryRunner?.stmtCache?.clear();
    // The temporal projection's versions in memory are those of the old file.
    holdItemVersions(ds);
    current = file;
    setTimeout(() => old.close(), OLD_CONNECTION_GRACE_MS).unref();
  };
  const timer = setInterval(check, FOLLOW_POLL_MS);
  timer.unref();
  const wrap = <K extends 'query' | 'transaction' | 'createQueryRunner' | 'destroy'>(name: K, before: () => void) => {
    const original = (ds[name] as (...args: unknown[]) => unknown).bind(ds);
    (ds as unknown as Record<K, (...args: unknown[]) => unknown>)[name] = (...args: unknown[]) => {
      before();
      return original(...args);
    };
  };
  for (const name of ['query', 'transaction', 'createQueryRunner'] as const) wrap(name, () => told && check());
  wrap('destroy', () => {
    stopped = true;
    clearInterval(timer);
    watcher?.close();
    followers.get(here)?.delete(tell);
    if (!followers.get(here)?.size) followers.delete(here);
  });
}

function controlStamp(control: string): string {
  const stat = fs.statSync(control, { throwIfNoEntry: false });
  return stat ? `${stat.ino}:${stat.mtimeMs}:${stat.size}` : 'none';
}
