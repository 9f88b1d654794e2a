import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { LedgerConfig } from '@ledger/platform';
import { CheckpointRow } from './checkpoint/checkpoint.entity';
import { UnitRow } from './units/unit.entity';
import { CadreRow } from './cadres/cadre.entity';
import { SheetRow } from './sheets/sheet.entity';
import { ItemRow } from './items/item.entity';
import { ItemCounterRow } from './figures/item-counter.entity';
import { AccountabilityDecisionRow } from './register/accountability-decision.entity';

export const READ_MODEL_ENTITIES = [
  CheckpointRow,
  UnitRow,
  CadreRow,
  SheetRow,
  ItemRow,
  ItemCounterRow,
  AccountabilityDecisionRow,
];

export type ReadModelsConfig = Pick<LedgerConfig, 'dataDir' | 'readDbUrl'>;

export function readModelsSqliteFile(config: Pick<LedgerConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'read-models.sqlite');
}

/**
 * SQLite in the data folder unless LEDGER_READ_DB_URL names a PostgreSQL database.
 * Schema: `synchronize` for now (a later issue moves read models to PostgreSQL with migrations).
 */
export function readModelDataSourceOptions(config: ReadModelsConfig): DataSourceOptions {
  if (config.readDbUrl) {
    return {
      type: 'postgres',
      url: config.readDbUrl,
      entities: READ_MODEL_ENTITIES,
      synchronize: true,
      logging: false,
    };
  }
  return {
    type: 'better-sqlite3',
    database: readModelsSqliteFile(config),
    entities: READ_MODEL_ENTITIES,
    synchronize: true,
    logging: false,
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
  if (!config.readDbUrl) fs.mkdirSync(config.dataDir, { recursive: true });
  const ds = new DataSource(readModelDataSourceOptions(config));
  await ds.initialize();
  return ds;
}
