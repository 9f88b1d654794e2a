import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';
import type { CounterDelta } from '../figures/counters';
import { closeContiguousEpochs, COUNTER_LAYOUT, packChanges } from '../temporal/counters';
import { snapshotsToWhole } from './1765550000000-counter-snapshot-deltas';
import { isPostgres, placeholders } from '../db/sql';

const CONVERT_SPAN = 20_000;

/**
 * Issue 5 / issue 3: the temporal counters packed (counters.ts): one change row per position instead
 * of about four rows per (owner, status, due date), epochs and snapshots one row per owner. Existing
 * rows are converted: the old changes packed per position, then every closed epoch and snapshot
 * computed from them, as the projector would have written them.
 */
export class PackedCounters1764700000000 implements MigrationInterface {
  name = 'PackedCounters1764700000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = isPostgres(q.connection);
    const query = (sql: string, params?: unknown[]) => q.query(sql, params) as Promise<unknown>;
    const owner = (name: string, length: number): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: false, isPrimary: true });
    const perOwner = (name: string) =>
      new Table({
        name,
        columns: [
          owner('ownerKind', 8),
          owner('ownerId', 64),
          { name: 'epoch', type: 'integer', isNullable: false, isPrimary: true },
          { name: 'counts', type: 'text', isNullable: false },
        ],
      });
    await q.createTable(
      new Table({
        name: 'rm_t_counter_change',
        columns: [
          { name: 'position', type: 'bigint', isNullable: false, isPrimary: true },
          { name: 'changes', type: 'text', isNullable: false },
        ],
      }),
      true,
    );

    const top = (await q.query(`SELECT MAX("position") AS p FROM "rm_t_mark"`)) as { p: unknown }[];
    const last = top[0]?.p === null || top[0]?.p === undefined ? 0 : Number(top[0].p);
    if (last > 0) {
      await q.createIndex('rm_t_counter', new TableIndex({ name: 'ix_rm_t_counter_position_tmp', columnNames: ['position'] }));
      for (let from = 0; from < last; from += CONVERT_SPAN) {
        const rows = (await q.query(
          placeholders(
            `SELECT "ownerKind", "ownerId", "position", status, "dueDate", count, "onTime" FROM "rm_t_counter" WHERE "position" > ? AND "position" <= ? ORDER BY "position"`,
            pg,
          ),
          [from, from + CONVERT_SPAN],
        )) as (CounterDelta & { position: unknown; count: unknown; onTime: unknown })[];
        const byPosition = new Map<number, CounterDelta[]>();
        for (const r of rows) {
          const p = Number(r.position);
          const list = byPosition.get(p) ?? [];
          list.push({ ownerKind: r.ownerKind, ownerId: r.ownerId, status: r.status, dueDate: r.dueDate, count: Number(r.count), onTime: Number(r.onTime) });
          byPosition.set(p, list);
        }
        const packed: unknown[] = [];
        let n = 0;
        for (const [p, deltas] of byPosition) {
          const changes = packChanges(deltas);
          if (changes === null) continue;
          packed.push(p, changes);
          if (++n === 400) {
            await insert(q, pg, packed, n);
            packed.length = 0;
            n = 0;
          }
        }
        if (n) await insert(q, pg, packed, n);
      }
    }
    for (const t of ['rm_t_counter', 'rm_t_counter_epoch', 'rm_t_counter_snapshot']) await q.dropTable(t, true);
    await q.createTable(perOwner('rm_t_counter_epoch'), true);
    await q.createTable(perOwner('rm_t_counter_snapshot'), true);
    await closeCountersWhole(query, pg, last);
  }

  async down(): Promise<void> {
    throw new Error('PackedCounters1764700000000 cannot be undone: rebuild the read models (ledger rebuild) on the older version instead');
  }
}

/**
 * Closes every epoch and snapshot of positions 1 … last from the change rows, the snapshots whole (every
 * owner not at zero), as this migration wrote them before CounterSnapshotDeltas, which then marks them.
 */
export async function closeCountersWhole(query: (sql: string, params?: unknown[]) => Promise<unknown>, pg: boolean, last: number): Promise<void> {
  await closeContiguousEpochs(query, pg, 0, last);
  const { epochSize: E, snapshotEpochs: S } = COUNTER_LAYOUT;
  const snapshots: number[] = [];
  for (let s = S; s * E <= last; s += S) snapshots.push(s);
  await snapshotsToWhole(query, pg, snapshots);
}

async function insert(q: QueryRunner, pg: boolean, params: unknown[], rows: number): Promise<void> {
  await q.query(placeholders(`INSERT INTO "rm_t_counter_change" ("position", "changes") VALUES ${Array(rows).fill('(?, ?)').join(',')}`, pg), params);
}
