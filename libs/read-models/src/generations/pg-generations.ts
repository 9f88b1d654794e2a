import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { holdItemVersions } from '../temporal/project';

/**
 * PostgreSQL read models as generations: generation 0 is the `public` schema, generation n the schema
 * `rm_g<n>`. One row of `public.rm_active_set` names the live one (none: public); a rebuild builds
 * generation n+1 in its schema and switches by updating that row in the transaction that also applies
 * its last events, so that a session sees either the old set or the new one, never a mix.
 * A DataSource on a generation sets its sessions' search_path to that schema alone, and names itself
 * `ledger-rm:<schema>` (application_name): a rebuild drops an old schema once no session bears its name.
 */
export const ACTIVE_SET_TABLE = 'rm_active_set';
const ACTIVE_ROW = 'read-models';
const SCHEMA = /^(public|rm_g(\d+))$/;

export function schemaGeneration(schema: string): number | null {
  const m = SCHEMA.exec(schema);
  return m ? Number(m[2] ?? 0) : null;
}

export function generationSchema(generation: number): string {
  return generation === 0 ? 'public' : `rm_g${generation}`;
}

/** The connection settings of a DataSource on `schema`: its search path and its name. */
export function generationSessionOptions(schema: string): { options?: string; application_name: string } {
  if (schemaGeneration(schema) === null) throw new Error(`not a read-model generation schema: ${schema}`);
  return { ...(schema === 'public' ? {} : { options: `-c search_path=${schema}` }), application_name: applicationName(schema) };
}

export function applicationName(schema: string): string {
  return `ledger-rm:${schema}`;
}

type Query = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

async function withClient<T>(url: string, work: (query: Query) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, application_name: 'ledger-rm:control' });
  await client.connect();
  try {
    return await work(async (sql, params) => (await client.query(sql, params)).rows as Array<Record<string, unknown>>);
  } finally {
    await client.end();
  }
}

async function ensureActiveSetTable(query: Query): Promise<void> {
  // Concurrent CREATE TABLE IF NOT EXISTS can collide in the catalogue: one at a time.
  await query('BEGIN');
  try {
    await query(`SELECT pg_advisory_xact_lock(hashtext('${ACTIVE_SET_TABLE}'))`);
    await query(`CREATE TABLE IF NOT EXISTS public."${ACTIVE_SET_TABLE}" ("name" varchar(64) PRIMARY KEY, "schema" varchar(63) NOT NULL)`);
    await query('COMMIT');
  } catch (e) {
    await query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

async function activeFrom(query: Query): Promise<string> {
  const rows = await query(`SELECT "schema" FROM public."${ACTIVE_SET_TABLE}" WHERE "name" = $1`, [ACTIVE_ROW]);
  const schema = rows.length ? String(rows[0].schema) : 'public';
  if (schemaGeneration(schema) === null) throw new Error(`public.${ACTIVE_SET_TABLE} names ${JSON.stringify(schema)}, not a read-model generation schema`);
  return schema;
}

/** The live generation's schema (the control table created if missing). */
export function activeSchema(url: string): Promise<string> {
  return withClient(url, async (query) => {
    await ensureActiveSetTable(query);
    return activeFrom(query);
  });
}

/** Creates a generation's schema (before a DataSource on it runs the migrations). */
export function createGenerationSchema(url: string, schema: string): Promise<void> {
  if (schemaGeneration(schema) === null) throw new Error(`not a read-model generation schema: ${schema}`);
  if (schema === 'public') return Promise.resolve();
  return withClient(url, async (query) => void (await query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)));
}

/** The statement that makes `schema` live, for the switch's transaction. */
export function switchActiveSchemaSql(schema: string): { sql: string; params: unknown[] } {
  if (schemaGeneration(schema) === null) throw new Error(`not a read-model generation schema: ${schema}`);
  return {
    sql: `INSERT INTO public."${ACTIVE_SET_TABLE}" ("name", "schema") VALUES ($1, $2) ON CONFLICT ("name") DO UPDATE SET "schema" = excluded."schema"`,
    params: [ACTIVE_ROW, schema],
  };
}

/** A generation number above every schema in the database (a crashed rebuild's included). */
export function nextSchemaGeneration(url: string): Promise<number> {
  return withClient(url, async (query) => {
    await ensureActiveSetTable(query);
    const live = schemaGeneration(await activeFrom(query))!;
    const rows = await query(`SELECT nspname FROM pg_namespace WHERE nspname ~ '^rm_g[0-9]+$'`);
    return Math.max(live, ...rows.map((r) => schemaGeneration(String(r.nspname))!)) + 1;
  });
}

/** Whether any session (but those of `except`) is on `schema`. */
async function inUse(query: Query, schema: string): Promise<boolean> {
  const rows = await query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid() LIMIT 1`, [
    applicationName(schema),
  ]);
  return rows.length > 0;
}

/**
 * Drops a generation that is not live once no session is on it; false when one still is. Generation 0
 * is the read models' tables in public (rm_* and the notifier's nt_*), not the schema: the control
 * table, the credentials and a store sharing the database stay.
 */
export function dropSchemaGeneration(url: string, schema: string): Promise<boolean> {
  return withClient(url, async (query) => {
    if (schema === (await activeFrom(query))) throw new Error(`${schema} is the live read-model generation`);
    if (await inUse(query, schema)) return false;
    if (schema !== 'public') {
      await query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      return true;
    }
    const tables = await query(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND (tablename LIKE 'rm\\_%' OR tablename LIKE 'nt\\_%') AND tablename <> $1`,
      [ACTIVE_SET_TABLE],
    );
    if (tables.length) await query(`DROP TABLE IF EXISTS ${tables.map((t) => `public."${String(t.tablename)}"`).join(', ')} CASCADE`);
    return true;
  });
}

/** Every generation schema but the live one (what crashed rebuilds left, and old ones still in use): dropped if let go. */
export async function dropDeadSchemas(url: string): Promise<{ dropped: string[]; held: string[] }> {
  const dead = await withClient(url, async (query) => {
    await ensureActiveSetTable(query);
    const live = await activeFrom(query);
    const rows = await query(`SELECT nspname FROM pg_namespace WHERE nspname ~ '^rm_g[0-9]+$' ORDER BY nspname`);
    return rows.map((r) => String(r.nspname)).filter((s) => s !== live);
  });
  const dropped: string[] = [];
  const held: string[] = [];
  for (const schema of dead) ((await dropSchemaGeneration(url, schema)) ? dropped : held).push(schema);
  return { dropped, held };
}

/** How often a following DataSource reads the control row. */
const FOLLOW_POLL_MS = 200;

interface SwitchablePgDriver {
  master: { end(): Promise<void>; query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> };
  options: { extra?: Record<string, unknown> };
  schema?: string;
  searchSchema?: string;
  createPool(options: unknown, credentials: unknown): Promise<SwitchablePgDriver['master']>;
}

/**
 * Keeps a PostgreSQL read-model DataSource on the live generation: every FOLLOW_POLL_MS it reads the
 * control row, and on a switch replaces its pool with one whose sessions are on the new schema. A
 * transaction under way keeps its session (from the old pool) to its end; the old pool closes each
 * session as it is handed back, so that the old schema is let go as soon as nothing runs on it.
 */
export function followActiveSchema(ds: DataSource, openedSchema: string): void {
  const driver = ds.driver as unknown as SwitchablePgDriver;
  let current = openedSchema;
  let busy = false;
  let stopped = false;
  const check = async () => {
    if (busy || stopped || !ds.isInitialized) return;
    busy = true;
    try {
      const rows = (await driver.master.query(`SELECT "schema" FROM public."${ACTIVE_SET_TABLE}" WHERE "name" = $1`, [ACTIVE_ROW])).rows;
      const schema = rows.length ? String(rows[0].schema) : 'public';
      if (schema === current || schemaGeneration(schema) === null || stopped) return;
      const options = { ...driver.options, extra: { ...driver.options.extra, ...generationSessionOptions(schema) } };
      const pool = await driver.createPool(options, options);
      if (stopped) {
        await pool.end();
        return;
      }
      const old = driver.master;
      driver.options.extra = options.extra;
      driver.master = pool;
      driver.schema = driver.searchSchema = schema;
      holdItemVersions(ds);
      current = schema;
      void old.end().catch(() => undefined);
    } catch {
      // The database unreachable for a moment: the next look decides.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), FOLLOW_POLL_MS);
  timer.unref();
  const destroy = ds.destroy.bind(ds);
  ds.destroy = async () => {
    stopped = true;
    clearInterval(timer);
    while (busy) await new Promise((resolve) => setTimeout(resolve, 10));
    return destroy();
  };
}
