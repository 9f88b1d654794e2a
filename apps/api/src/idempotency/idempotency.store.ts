import * as path from 'node:path';
import { ensureDatabaseFile, type LedgerConfig } from '@ledger/platform';
import { DataSource } from 'typeorm';
import { IdempotencyRecord } from './idempotency-record.entity';

interface Statement {
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number };
}
interface SqliteConnection {
  prepare(sql: string): Statement;
}

/**
 * Durable idempotency records. They live apart from the read models (which a rebuild may drop):
 * `<dataDir>/idempotency.sqlite`, or the table `api_idempotency_keys` in LEDGER_READ_DB_URL's
 * PostgreSQL when that is set.
 */
export class IdempotencyStore {
  private constructor(private readonly ds: DataSource) {}

  static async open(config: Pick<LedgerConfig, 'dataDir' | 'readDbUrl'>): Promise<IdempotencyStore> {
    let ds: DataSource;
    if (config.readDbUrl) {
      ds = new DataSource({ type: 'postgres', url: config.readDbUrl, entities: [IdempotencyRecord] });
    } else {
      const file = path.join(config.dataDir, 'idempotency.sqlite');
      ensureDatabaseFile(file);
      ds = new DataSource({
        type: 'better-sqlite3',
        database: file,
        entities: [IdempotencyRecord],
        prepareDatabase: (db: { pragma(s: string): unknown }) => {
          db.pragma('journal_mode = WAL');
          db.pragma('busy_timeout = 5000');
          // No fsync per record: the events are durable (FULL) before a record is written, and a
          // record lost on power loss only sends the retry down the command path, whose
          // deterministic event ids find the events already appended and answer the same.
          db.pragma('synchronous = NORMAL');
        },
      });
    }
    await ds.initialize();
    await createTable(ds);
    return new IdempotencyStore(ds);
  }

  /** On SQLite, prepared statements on the driver's connection: TypeORM's query building cost more than the query. */
  private sqlite: { find: Statement; insert: Statement } | null | undefined;
  private statements(): { find: Statement; insert: Statement } | null {
    if (this.sqlite === undefined) {
      const db =
        this.ds.options.type === 'better-sqlite3' ? (this.ds.driver as unknown as { databaseConnection?: SqliteConnection }).databaseConnection : undefined;
      this.sqlite = db
        ? {
            find: db.prepare('SELECT scope, fingerprint, status, body, "createdAt" FROM api_idempotency_keys WHERE scope = ?'),
            insert: db.prepare('INSERT OR IGNORE INTO api_idempotency_keys (scope, fingerprint, status, body, "createdAt") VALUES (?, ?, ?, ?, ?)'),
          }
        : null;
    }
    return this.sqlite;
  }

  async find(scope: string): Promise<IdempotencyRecord | null> {
    const sqlite = this.statements();
    if (sqlite) return (sqlite.find.get(scope) as IdempotencyRecord | undefined) ?? null;
    return this.ds.getRepository(IdempotencyRecord).findOneBy({ scope });
  }

  /** First writer wins: a concurrent duplicate is ignored and the stored record returned. */
  async save(record: IdempotencyRecord): Promise<IdempotencyRecord> {
    const sqlite = this.statements();
    if (sqlite) {
      // One statement, its own implicit transaction: the duplicate check and the write are atomic.
      const written = sqlite.insert.run(record.scope, record.fingerprint, record.status, record.body, record.createdAt).changes === 1;
      return written ? record : ((await this.find(record.scope)) ?? record);
    }
    await this.ds.createQueryBuilder().insert().into(IdempotencyRecord).values(record).orIgnore().execute();
    return (await this.find(record.scope)) ?? record;
  }

  async close(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

/**
 * The one table, created when missing (not TypeORM's synchronize, which may alter or drop columns of a
 * table it finds different). Two API instances starting together on PostgreSQL may race to create it.
 */
async function createTable(ds: DataSource): Promise<void> {
  try {
    await ds.query(
      'CREATE TABLE IF NOT EXISTS "api_idempotency_keys" ("scope" varchar(64) PRIMARY KEY NOT NULL, "fingerprint" varchar(64) NOT NULL, "status" integer NOT NULL, "body" text NOT NULL, "createdAt" varchar(40) NOT NULL)',
    );
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== '23505' && code !== '42P07') throw e;
  }
}
