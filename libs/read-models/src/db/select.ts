import type { DataSource } from 'typeorm';
import type { LedgerConfig } from '@ledger/platform';
import { isPostgres } from './sql';

/** What every current-state query reads with: the database, its engine, and the due-soon window of lights. */
export interface Reads {
  readonly dataSource: DataSource;
  readonly postgres: boolean;
  readonly dueSoonDays: number;
}

export function readsOf(dataSource: DataSource, config: Pick<LedgerConfig, 'dueSoonDays'>): Reads {
  return { dataSource, postgres: isPostgres(dataSource), dueSoonDays: config.dueSoonDays };
}

/** A condition over an alias, with named parameters (`:name`, `:...list`). */
export interface SqlCondition {
  sql: string;
  params: Record<string, unknown>;
}

/** Raw SQL with named parameters (`:name`, `:...list`), for SQLite and PostgreSQL alike. */
export function select<T>(dataSource: DataSource, sql: string, params: Record<string, unknown>): Promise<T[]> {
  const [text, values] = dataSource.driver.escapeQueryWithParameters(sql, params);
  return dataSource.query(text, values);
}

export function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
