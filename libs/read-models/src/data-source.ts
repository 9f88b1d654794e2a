import * as path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ensureDatabaseFile, isSqliteBusy } from '@ledger/event-store';
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
import { activeSchema, createGenerationSchema, followActiveSchema, generationSessionOptions } from './generations/pg-generations';

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
 * SQLite's page cache per read-model connection, in KiB: the projector's and a rebuild's writes want it
 * large; the API only reads, and the OS's file cache already holds the pages, so its connection keeps
 * a small one (64 MB of it filled under the list queries: docs/benchmarks.md, the API's peak RSS).
 */
export const READ_MODEL_CACHE_KIB = { writer: 65_536, reader: 8_192 } as const;

export interface ReadModelsOpenOptions {
  /** A generation to open as it is (a rebuild's own) instead of following the live one. */
  generation?: string;
  /** SQLite's page cache of this connection (KiB); the writer's unless given. */
  cacheKib?: number;
  /** Told of each try that met another process's write lock (SQLite) and is tried again. */
  onBusy?: (tries: number, error: unknown) => void;
}

/** How long a process opening the read models waits for another's write lock (a migration) in all. */
const BUSY_BUDGET_MS = 120_000;

/**
 * SQLite in the data folder unless LEDGER_READ_DB_URL names a PostgreSQL database. The schema comes
 * from the migrations in ./migrations (run on open); a spec checks they match the entities.
 */
export function readModelDataSourceOptions(
  config: ReadModelsConfig,
  generation?: { sqliteFile?: string; pgSchema?: string },
  cacheKib: number = READ_MODEL_CACHE_KIB.writer,
): DataSourceOptions {
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
      // Its sessions on one generation's schema (search_path), named after it.
      extra: generationSessionOptions(generation?.pgSchema ?? 'public'),
    };
  }
  return {
    type: 'better-sqlite3',
    database: generation?.sqliteFile ?? readModelsSqliteFile(config),
    ...schema,
    enableWAL: true,
    // Read models are rebuilt from the store: losing the last commits on power loss is harmless
    // (the checkpoint goes with them), so NORMAL is enough; the busy timeout covers a second process.
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = NORMAL');
      db.pragma(`cache_size = -${cacheKib}`);
    },
  };
}

/**
 * An initialised DataSource on the read models (schema created if missing). It follows the live
 * generation (a rebuild's switch moves it to the new SQLite file or PostgreSQL schema without a
 * restart), unless `generation` names one to open as it is (a rebuild's own): a SQLite file name in
 * the data folder, or a PostgreSQL schema.
 */
export async function openReadModels(config: ReadModelsConfig, options: ReadModelsOpenOptions = {}): Promise<DataSource> {
  // The API and the projector may open a fresh database at the same moment: the loser of the
  // migration race finds the schema in place on its second try. On SQLite it may instead meet the
  // winner's write lock for longer than the busy timeout (a loaded machine): it tries again until the
  // winner is done, within BUSY_BUDGET_MS.
  const started = Date.now();
  let busy = 0;
  for (let attempt = 1; ; attempt++) {
    const url = config.readDbUrl;
    let where: { sqliteFile?: string; pgSchema?: string };
    if (url) {
      where = { pgSchema: options.generation ?? (await activeSchema(url)) };
      if (options.generation) await createGenerationSchema(url, options.generation);
    } else {
      where = { sqliteFile: options.generation ? path.join(config.dataDir, options.generation) : readModelsSqliteFile(config) };
      ensureDatabaseFile(where.sqliteFile!);
    }
    const ds = new DataSource(readModelDataSourceOptions(config, where, options.cacheKib));
    try {
      await ds.initialize();
      if (!options.generation) {
        // A switch between reading the control file (row) and opening: open the new generation instead.
        const live = url ? { pgSchema: await activeSchema(url) } : { sqliteFile: readModelsSqliteFile(config) };
        if (live.pgSchema !== where.pgSchema || live.sqliteFile !== where.sqliteFile) {
          await ds.destroy();
          attempt--;
          continue;
        }
        if (url) followActiveSchema(ds, where.pgSchema!);
        else followActiveGeneration(ds, config.dataDir, path.basename(where.sqliteFile!));
      }
      return ds;
    } catch (e) {
      if (ds.isInitialized) await ds.destroy().catch(() => undefined);
      if (isSqliteBusy(e) && Date.now() - started < BUSY_BUDGET_MS) {
        options.onBusy?.(++busy, e);
        attempt--;
        // SQLite answers a stale snapshot's write at once, without the busy timeout's wait.
        await new Promise((resume) => setTimeout(resume, 50));
        continue;
      }
      if (attempt >= 3) throw e;
    }
  }
}
