import type { Pool, PoolClient } from 'pg';

/**
 * `fn` in one transaction on a client of its own, committed when it returns and rolled back when it throws
 * (a failed ROLLBACK does not hide the first error); the client goes back to the pool either way.
 */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
