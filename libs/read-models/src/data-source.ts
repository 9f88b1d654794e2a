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
import { activeGenerationFile, followActiveGeneration } from './generations/sqlite-generations';

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

/** The live generation's file (`ledger rebuild` writes the next one beside it and switches: ./generations). */
export function readModelsSqliteFile(config: Pick<LedgerConfig, 'dataDir'>): string {
  return path.join(config.dataDir, activeGenerationFile(config.dataDir));
}

/**
 * SQLite in the data folder unless LEDGER_READ_DB_URL names a PostgreSQL database. The schema comes
 * from the migrations in ./migrations (run on open); a spec checks they match the entities.
 */
export function readModelDataSourceOptions(config: ReadModelsConfig, sqliteFile = readModelsSqliteFile(config)): DataSourceOptions {
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
    database: sqliteFile,
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

/**
 * An initialised DataSource on the read models (schema created if missing). On SQLite it follows the
 * live generation (a rebuild's switch moves it to the new file without a restart), unless `generation`
 * names the file of one to open as it is (a rebuild's own).
 */
export async function openReadModels(config: ReadModelsConfig, options: { generation?: string } = {}): Promise<DataSource> {
  // The API and the projector may open a fresh database at the same moment: the loser of the
  // migration race finds the schema in place on its second try.
  for (let attempt = 1; ; attempt++) {
    const sqliteFile = config.readDbUrl ? undefined : options.generation ? path.join(config.dataDir, options.generation) : readModelsSqliteFile(config);
    if (sqliteFile) ensureDatabaseFile(sqliteFile);
    const ds = new DataSource(readModelDataSourceOptions(config, sqliteFile));
    try {
      await ds.initialize();
      if (sqliteFile && !options.generation) {
        // A switch between reading the control file and opening: open the new generation instead.
        if (sqliteFile !== readModelsSqliteFile(config)) {
          await ds.destroy();
          attempt--;
          continue;
        }
        followActiveGeneration(ds, config.dataDir, path.basename(sqliteFile));
      }
      return ds;
    } catch (e) {
      if (ds.isInitialized) await ds.destroy().catch(() => undefined);
      if (attempt >= 3) throw e;
    }
  }
}
