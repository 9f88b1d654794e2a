import type { DataSource, EntityManager } from 'typeorm';
import { ensureLeaseTable, LEASE_TABLE } from '../lease/lease';

const NOW = `CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)`;
/** A retired generation's leases never expire: no process that still looks at it can write it again. */
const NEVER = '4611686018427387904';

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
  const rows = (await live.query(
    `UPDATE "${LEASE_TABLE}" SET "holder" = ?, "token" = "token" + 1, "acquired_at" = ${NOW}, "expires_at" = ${NOW} + ? RETURNING "name", "token"`,
    [holder, ttlMs],
  )) as Array<{ name: string; token: number | string }>;
  return rows.map((r) => ({ name: r.name, token: String(r.token) }));
}

export async function renewStolenLeases(live: DataSource, holder: string, ttlMs: number): Promise<void> {
  await live.query(`UPDATE "${LEASE_TABLE}" SET "expires_at" = ${NOW} + ? WHERE "holder" = ?`, [ttlMs, holder]);
}

/** A rebuild that stopped before its switch: the live set's leases are free again at once. */
export async function returnStolenLeases(live: DataSource, holder: string): Promise<void> {
  await live.query(`UPDATE "${LEASE_TABLE}" SET "holder" = NULL, "expires_at" = 0 WHERE "holder" = ?`, [holder]);
}

/** After the switch: the old generation's leases held for ever by a note saying where the live set went. */
export async function retireLeases(old: DataSource, holder: string, movedTo: string): Promise<void> {
  await old.query(`UPDATE "${LEASE_TABLE}" SET "holder" = ?, "token" = "token" + 1, "expires_at" = ${NEVER} WHERE "holder" = ?`, [
    `retired: the read models moved to ${movedTo}`,
    holder,
  ]);
}

/**
 * The new generation's leases, free, each with a token above any the old generation has had or will
 * have (retireLeases adds one): a fencing token taken in one generation never passes a fence in the other.
 */
export async function carryLeases(em: EntityManager, stolen: StolenLease[]): Promise<void> {
  for (const { name, token } of stolen) {
    await em.query(
      `INSERT INTO "${LEASE_TABLE}" ("name", "holder", "token", "acquired_at", "expires_at") VALUES (?, NULL, ?, 0, 0) ` +
        `ON CONFLICT ("name") DO UPDATE SET "holder" = NULL, "token" = excluded."token", "acquired_at" = 0, "expires_at" = 0`,
      [name, (BigInt(token) + 2n).toString()],
    );
  }
}

export const LIVE_ALIAS = 'live_set';

/**
 * The tables of the live generation that are not read models (everything not named rm_*: the
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
