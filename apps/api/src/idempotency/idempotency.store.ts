import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LedgerConfig } from '@ledger/platform';
import { DataSource } from 'typeorm';
import { IdempotencyRecord } from './idempotency-record.entity';

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
      ds = new DataSource({ type: 'postgres', url: config.readDbUrl, entities: [IdempotencyRecord], synchronize: true });
    } else {
      fs.mkdirSync(config.dataDir, { recursive: true });
      ds = new DataSource({
        type: 'better-sqlite3',
        database: path.join(config.dataDir, 'idempotency.sqlite'),
        entities: [IdempotencyRecord],
        synchronize: true,
        prepareDatabase: (db: { pragma(s: string): unknown }) => {
          db.pragma('journal_mode = WAL');
          db.pragma('busy_timeout = 5000');
        },
      });
    }
    await ds.initialize();
    return new IdempotencyStore(ds);
  }

  find(scope: string): Promise<IdempotencyRecord | null> {
    return this.ds.getRepository(IdempotencyRecord).findOneBy({ scope });
  }

  /** First writer wins: a concurrent duplicate is ignored and the stored record returned. */
  async save(record: IdempotencyRecord): Promise<IdempotencyRecord> {
    await this.ds.createQueryBuilder().insert().into(IdempotencyRecord).values(record).orIgnore().execute();
    return (await this.find(record.scope)) ?? record;
  }

  async close(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}
