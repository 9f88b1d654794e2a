import { Pool } from 'pg';

/**
 * A pool whose idle connections may be ended by the server (a restart, pg_terminate_backend, a shutdown)
 * without bringing the process down: pg-pool drops such a client and emits 'error', an uncaught
 * exception when nobody listens. The next query takes a fresh connection or reports its own failure.
 */
export function resilientPool(url: string, max: number): Pool {
  const pool = new Pool({ connectionString: url, max });
  pool.on('error', () => undefined);
  return pool;
}
