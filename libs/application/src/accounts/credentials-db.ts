import * as path from 'node:path';
import { ensureDatabaseFile, type LedgerConfig } from '@ledger/platform';
import { DataSource } from 'typeorm';

/**
 * The credentials database: password hashes, API keys and sessions. `credentials.sqlite` in the data
 * folder, or LEDGER_READ_DB_URL's PostgreSQL. Not a read model: `ledger rebuild` never touches it, so
 * each store creates its own tables here rather than through the read models' migrations.
 */
export class CredentialsDb {
  private ds: Promise<DataSource> | null = null;

  constructor(
    private readonly config: Pick<LedgerConfig, 'dataDir' | 'readDbUrl'>,
    private readonly ddl: string[],
  ) {}

  private open(): Promise<DataSource> {
    this.ds ??= (async () => {
      let ds: DataSource;
      if (this.config.readDbUrl) {
        ds = new DataSource({ type: 'postgres', url: this.config.readDbUrl, entities: [] });
      } else {
        const file = path.join(this.config.dataDir, 'credentials.sqlite');
        // The folder 0700, the file 0600 before SQLite opens it (its -wal and -shm take the same mode).
        ensureDatabaseFile(file);
        ds = new DataSource({
          type: 'better-sqlite3',
          database: file,
          entities: [],
          prepareDatabase: (db: { pragma(s: string): unknown }) => {
            db.pragma('journal_mode = WAL');
            db.pragma('busy_timeout = 5000');
            db.pragma('synchronous = FULL');
          },
        });
      }
      await ds.initialize();
      for (const ddl of this.ddl) {
        try {
          await ds.query(ddl);
        } catch (e) {
          // Two API instances creating it at once on PostgreSQL; a column added before (42701 on PostgreSQL).
          const code = (e as { code?: string }).code;
          if (code !== '23505' && code !== '42P07' && code !== '42701' && !/duplicate column name/.test(String((e as Error).message))) throw e;
        }
      }
      return ds;
    })();
    return this.ds;
  }

  /** One SQL text for both engines: `?` placeholders, numbered for PostgreSQL. */
  async query<T>(sql: string, params: unknown[]): Promise<T> {
    const ds = await this.open();
    const pg = ds.options.type === 'postgres';
    let n = 0;
    return ds.query(pg ? sql.replace(/\?/g, () => `$${++n}`) : sql, params) as Promise<T>;
  }

  async close(): Promise<void> {
    const ds = this.ds;
    this.ds = null;
    if (ds) {
      const open = await ds.catch(() => null);
      if (open?.isInitialized) await open.destroy();
    }
  }
}
