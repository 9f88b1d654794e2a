import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mountTmpfs } from '@ledger/platform/testing/tmpfs';
import { isStorageFull } from './storage-full';

describe('isStorageFull: the disk under a store is full', () => {
  it('knows the errors a full disk raises: SQLite on a full tmpfs, the OS, PostgreSQL (53100 disk_full), wrapped by TypeORM', () => {
    const disk = mountTmpfs(1024);
    let sqliteError: unknown = null;
    let osError: unknown = null;
    try {
      const db = new Database(path.join(disk.dir, 'x.sqlite'));
      db.exec('CREATE TABLE t (x TEXT)');
      try {
        for (let i = 0; i < 1000; i++) db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(10_000));
      } catch (e) {
        sqliteError = e;
      }
      db.close();
      try {
        fs.writeFileSync(path.join(disk.dir, 'more'), Buffer.alloc(2 * 1024 * 1024));
      } catch (e) {
        osError = e;
      }
    } finally {
      disk.unmount();
    }
    expect(sqliteError).toMatchObject({ code: 'SQLITE_FULL' });
    expect(osError).toMatchObject({ code: 'ENOSPC' });
    expect(isStorageFull(sqliteError)).toBe(true);
    expect(isStorageFull(osError)).toBe(true);
    expect(isStorageFull(Object.assign(new Error('could not extend file'), { code: '53100' }))).toBe(true);
    expect(isStorageFull({ message: 'QueryFailedError', driverError: { code: 'SQLITE_FULL' } })).toBe(true);
  });

  it('and nothing else: a constraint, a busy database, a lost connection, no error at all', () => {
    for (const e of [
      { code: 'SQLITE_CONSTRAINT_UNIQUE' },
      { code: 'SQLITE_BUSY' },
      { code: 'ECONNRESET' },
      { code: '23505' },
      new Error('x'),
      null,
      undefined,
      'SQLITE_FULL',
    ]) {
      expect(isStorageFull(e)).toBe(false);
    }
  });
});
