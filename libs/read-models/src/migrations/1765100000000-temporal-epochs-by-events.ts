import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { isPostgres, placeholders } from '../db/sql';

/** The epoch size the temporal counters were written with before epochs counted events (counters.ts). */
const EPOCH_SIZE = 4096;
const INSERT_CHUNK = 300;

/**
 * Issue 14: the counters' epochs count events, not positions (positions may have gaps: EventStoreDB).
 * rm_t_epoch records each epoch's event count and last position. Existing temporal models were built
 * from SQLite or PostgreSQL (no EventStoreDB ledger ever got past its first event), whose positions are
 * 1, 2, 3 …: there the event-counted epochs are the position epochs already written, so only their
 * ends are recorded, up to the last position the models hold; no counter row changes.
 */
export class TemporalEpochsByEvents1765100000000 implements MigrationInterface {
  name = 'TemporalEpochsByEvents1765100000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = isPostgres(q.connection);
    await q.createTable(
      new Table({
        name: 'rm_t_epoch',
        columns: [
          { name: 'epoch', type: 'integer', isNullable: false, isPrimary: true },
          { name: 'events', type: 'integer', isNullable: false },
          { name: 'lastPosition', type: 'bigint', isNullable: false },
        ],
      }),
      true,
    );
    const top = (await q.query(`SELECT MAX("position") AS p FROM "rm_t_mark"`)) as { p: unknown }[];
    const last = top[0]?.p === null || top[0]?.p === undefined ? 0 : Number(top[0].p);
    const rows: number[][] = [];
    for (let e = 0; (e + 1) * EPOCH_SIZE <= last; e++) rows.push([e, EPOCH_SIZE, (e + 1) * EPOCH_SIZE]);
    if (last % EPOCH_SIZE) rows.push([Math.floor(last / EPOCH_SIZE), last % EPOCH_SIZE, last]);
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      await q.query(
        placeholders(`INSERT INTO "rm_t_epoch" ("epoch", "events", "lastPosition") VALUES ${chunk.map(() => '(?, ?, ?)').join(',')}`, pg),
        chunk.flat(),
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('rm_t_epoch', true);
  }
}
