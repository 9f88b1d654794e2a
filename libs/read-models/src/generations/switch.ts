import type { DataSource, EntityManager } from 'typeorm';
import { ensureLeaseTable, LEASE_TABLE } from '../lease/lease';
import { isPostgres } from '../db/sql';

/** Milliseconds since 1970 by the database's clock, and the placeholders (as the lease reckons). */
function dialect(db: DataSource | EntityManager): { now: string; p: (i: number) => string } {
  const pg = isPostgres(db);
  return {
    now: pg ? `(extract(epoch from clock_timestamp()) * 1000)::bigint` : `CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)`,
    p: (i) => (pg ? `$${i}` : '?'),
  };
}
/** Rows from an UPDATE … RETURNING: TypeORM's postgres driver answers [rows, affected], better-sqlite3 rows. */
function returned(result: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0];
  return Array.isArray(result) ? result : [];
}
/** A retired generation's leases never expire: no process that still looks at it can write it again. */
const NEVER = '4611686018427387904';
/** How a rebuild's holder begins (rebuildBeside prefixes one that does not), and a retired generation's. */
export const REBUILD_HOLDER = 'ledger rebuild';
const RETIRED_HOLDER = 'retired: ';

/**
 * Whether a rebuild holds some lease of this set (it is switching the read models over) or retired them
 * (the set is no longer live): what is written to it now may not reach the set that stays live. Expired
 * or not: a rebuild held up past its leases still switches unless a live process took them back.
 */
export async function switchingAway(em: DataSource | EntityManager): Promise<boolean> {
  const { p } = dialect(em);
  const rows: unknown[] = await em.query(`SELECT 1 FROM "${LEASE_TABLE}" WHERE "holder" LIKE ${p(1)} OR "holder" LIKE ${p(2)} LIMIT 1`, [
    `${REBUILD_HOLDER}%`,
    `${RETIRED_HOLDER}%`,
  ]);
  return rows.length > 0;
}

export interface StolenLease {
  name: string;
  token: string;
}

/**
 * Takes every lease of the live generation (the projector's, the notifier's …) whoever holds it: the
 * next batch of a holder fails its fence and rolls back, so that nothing more is written to the live
 * set. They expire after `ttlMs` unless renewed (renewStolenLeases): a rebuild that dies here hands
 * the live set back to its projectors by itself.
 */
export async function stealLeases(live: DataSource, holder: string, ttlMs: number): Promise<StolenLease[]> {
  await ensureLeaseTable(live);
  const { now, p } = dialect(live);
  const rows = returned(
    await live.query(
      `UPDATE "${LEASE_TABLE}" SET "holder" = ${p(1)}, "token" = "token" + 1, "acquired_at" = ${now}, "expires_at" = ${now} + ${p(2)} RETURNING "name", "token"`,
      [holder, ttlMs],
    ),
  );
  return rows.map((r) => ({ name: String(r.name), token: String(r.token) }));
}

export async function renewStolenLeases(live: DataSource, holder: string, ttlMs: number): Promise<void> {
  const { now, p } = dialect(live);
  await live.query(`UPDATE "${LEASE_TABLE}" SET "expires_at" = ${now} + ${p(1)} WHERE "holder" = ${p(2)}`, [ttlMs, holder]);
}

/** A rebuild that stopped before its switch: the live set's leases are free again at once. */
export async function returnStolenLeases(live: DataSource, holder: string): Promise<void> {
  const { p } = dialect(live);
  await live.query(`UPDATE "${LEASE_TABLE}" SET "holder" = NULL, "expires_at" = 0 WHERE "holder" = ${p(1)}`, [holder]);
}

/** After the switch: the old generation's leases held for ever by a note saying where the live set went. */
export async function retireLeases(old: DataSource, holder: string, movedTo: string): Promise<void> {
  const { p } = dialect(old);
  await old.query(`UPDATE "${LEASE_TABLE}" SET "holder" = ${p(1)}, "token" = "token" + 1, "expires_at" = ${NEVER} WHERE "holder" = ${p(2)}`, [
    `${RETIRED_HOLDER}the read models moved to ${movedTo}`,
    holder,
  ]);
}

/** The live generation's leases are no longer all the ones the rebuild took. */
export class LiveLeasesLostError extends Error {
  constructor(readonly names: string[]) {
    super(`the live leases ${names.join(', ')} were taken back while this rebuild was held up past them, or opened since it took them`);
    this.name = 'LiveLeasesLostError';
  }
}

/**
 * In the switch's transaction, before it reads the live set: every lease of the live generation (`table`,
 * qualified) is still the one the rebuild took, renewed and held until the switch commits (PostgreSQL: the
 * table locked against writers; SQLite: the UPDATE takes the live file's write lock). A rebuild held up
 * past them finds one taken back by a live process, which may have written the live set since (or opened
 * since: a first start), and gets LiveLeasesLostError rather than switching to a set behind it.
 */
export async function holdStolenLeases(em: EntityManager, table: string, holder: string, stolen: StolenLease[], ttlMs: number): Promise<void> {
  const { now, p } = dialect(em);
  if (isPostgres(em)) await em.query(`LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`);
  await em.query(`UPDATE ${table} SET "expires_at" = ${now} + ${p(1)} WHERE "holder" = ${p(2)}`, [ttlMs, holder]);
  const rows = (await em.query(`SELECT "name", "holder", "token" FROM ${table}`)) as Array<{ name: string; holder: string | null; token: unknown }>;
  const took = new Map(stolen.map((l) => [l.name, l.token]));
  const lost = rows.filter((r) => r.holder !== holder || took.get(r.name) !== String(r.token)).map((r) => r.name);
  if (lost.length || rows.length !== stolen.length) throw new LiveLeasesLostError(lost.length ? lost : [...took.keys()]);
}

/**
 * The new generation's leases, free, each with a token above any the old generation has had or will
 * have (retireLeases adds one): a fencing token taken in one generation never passes a fence in the other.
 */
export async function carryLeases(em: EntityManager, stolen: StolenLease[]): Promise<void> {
  const { p } = dialect(em);
  for (const { name, token } of stolen) {
    await em.query(
      `INSERT INTO "${LEASE_TABLE}" ("name", "holder", "token", "acquired_at", "expires_at") VALUES (${p(1)}, NULL, ${p(2)}, 0, 0) ` +
        `ON CONFLICT ("name") DO UPDATE SET "holder" = NULL, "token" = excluded."token", "acquired_at" = 0, "expires_at" = 0`,
      [name, (BigInt(token) + 2n).toString()],
    );
  }
}

export const LIVE_ALIAS = 'live_set';

/**
 * PostgreSQL: the notifier's tables (nt_*: its outbox, its deliveries, its own checkpoint) of the live
 * schema copied into the new one, once their writers are fenced out. Not everything that is not rm_*,
 * as on SQLite: generation 0 is the public schema, which holds the credentials and maybe the store.
 */
export async function carryOperationalStatePg(em: EntityManager, liveSchema: string, nextSchema: string): Promise<string[]> {
  const tables = (
    (await em.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'nt\\_%'`, [liveSchema])) as Array<{ tablename: string }>
  ).map((t) => t.tablename);
  for (const name of tables) {
    const columns = (
      (await em.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, [
        nextSchema,
        name,
      ])) as Array<{ column_name: string }>
    )
      .map((c) => `"${c.column_name}"`)
      .join(', ');
    if (!columns) continue;
    await em.query(`DELETE FROM "${nextSchema}"."${name}"`);
    await em.query(`INSERT INTO "${nextSchema}"."${name}" (${columns}) SELECT ${columns} FROM "${liveSchema}"."${name}"`);
  }
  return tables;
}

/**
 * SQLite: the tables of the live generation that are not read models (everything not named rm_*: the
 * notifier's outbox, its deliveries and its own checkpoint): a rebuild does not make them, so the new
 * generation takes them over as they are, once their writers are fenced out (stealLeases). The live
 * file must be attached as LIVE_ALIAS (ATTACH cannot run inside a transaction).
 */
export async function carryOperationalState(em: EntityManager): Promise<string[]> {
  const tables = (await em.query(
    `SELECT "name", "sql" FROM ${LIVE_ALIAS}.sqlite_master WHERE "type" = 'table' AND "name" NOT LIKE 'rm\\_%' ESCAPE '\\' AND "name" NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
  )) as Array<{ name: string; sql: string }>;
  for (const { name, sql } of tables) {
    const exists = (await em.query(`SELECT 1 FROM main.sqlite_master WHERE "type" = 'table' AND "name" = ?`, [name])).length > 0;
    if (!exists) {
      await em.query(sql);
      const indexes = (await em.query(`SELECT "sql" FROM ${LIVE_ALIAS}.sqlite_master WHERE "type" = 'index' AND "tbl_name" = ? AND "sql" IS NOT NULL`, [
        name,
      ])) as Array<{ sql: string }>;
      for (const index of indexes) await em.query(index.sql);
    }
    const columns = ((await em.query(`PRAGMA main.table_info("${name}")`)) as Array<{ name: string }>).map((c) => `"${c.name}"`).join(', ');
    await em.query(`DELETE FROM main."${name}"`);
    await em.query(`INSERT INTO main."${name}" (${columns}) SELECT ${columns} FROM ${LIVE_ALIAS}."${name}"`);
  }
  return tables.map((t) => t.name);
}
