import * as path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ensureDatabaseFile } from '@ledger/event-store';
import type { LedgerConfig } from '@ledger/platform';
import { CheckpointRow } from './checkpoint/checkpoint.entity';
import { UnitRow } from './units/unit.entity';
import { CadreRow } from './cadres/cadre.entity';
import { SheetRow } from './sheets/sheet.entity';
import { ItemRow } from './items/item.entity';
import { ItemCounterRow } from './figures/item-counter.entity';
import { AccountabilityDecisionRow } from './register/accountability-decision.entity';
import { AccountRow } from './accounts/account.entity';
import { READ_MODEL_MIGRATIONS } from './migrations';
import { TEMPORAL_ENTITIES } from './temporal/entities';

export const READ_MODEL_ENTITIES = [
  CheckpointRow,
  UnitRow,
  CadreRow,
  SheetRow,
  ItemRow,
  ItemCounterRow,
  AccountabilityDecisionRow,
  AccountRow,
  // Issue 5: versions by position, for answers as of a past instant.
  ...TEMPORAL_ENTITIES,
];

export type ReadModelsConfig = Pick<LedgerConfig, 'dataDir' | 'readDbUrl'>;

export function readModelsSqliteFile(config: Pick<LedgerConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'read-models.sqlite');
}

/**
 * SQLite in the data folder unless LEDGER_READ_DB_URL names a PostgreSQL database. The schema comes
 * from the migrations in ./migrations (run on open); a spec checks they match the entities.
 */
export function readModelDataSourceOptions(config: ReadModelsConfig): DataSourceOptions {
  const schema = {
    entities: READ_MODEL_ENTITIES,
    migrations: READ_MODEL_MIGRATIONS,
    migrationsTableName: 'rm_migrations',
    migrationsRun: true,
    migrationsTransactionMode: 'all' as const,
    synchronize: false,
    logging: false,
  };
  if (config.readDbUrl) {
    return {
      type: 'postgres',
      url: config.readDbUrl,
      ...schema,
    };
  }
  return {
    type: 'better-sqlite3',
    database: readModelsSqliteFile(config),
    ...schema,
    enableWAL: true,
    // Read models are rebuilt from the store: losing the last commits on power loss is harmless
    // (the checkpoint goes with them), so NORMAL is enough; the busy timeout covers a second process.
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -65536');
    },
  };
}

/** An initialised DataSource on the read models (schema created if missing). */
export async function openReadModels(config: ReadModelsConfig): Promise<DataSource> {
  if (!config.readDbUrl) ensureDatabaseFile(readModelsSqliteFile(config));
  // The API and the projector may open a fresh database at the same moment: the loser of the
  // migration race finds the schema in place on its second try.
  for (let attempt = 1; ; attempt++) {
    const ds = new DataSource(readModelDataSourceOptions(config));
    try {
      await ds.initialize();
      return ds;
    } catch (e) {
      if (ds.isInitialized) await ds.destroy().catch(() => undefined);
      if (attempt >= 3) throw e;
    }
  }
}
