import type { EntityManager } from 'typeorm';
import { isPostgres } from './sql';

/** Bound parameters per combined statement: under PostgreSQL's 65,535 with room for one more write. */
const MAX_PARAMS = 30_000;

/**
 * Writes of one transaction that read nothing back, sent to PostgreSQL as one statement (each write a
 * data-modifying WITH of it): a live batch's writes were a round trip each, and on a crowded machine
 * each round trip waits 10–50 ms for a core, far longer than the write. The parts of one statement all
 * see the database as it was before it and must not change the same row twice: a write to a table and
 * verb already pending sends the pending ones first, and a caller whose next statement must see these
 * writes (a read of them, a DELETE of what an upsert left at zero) calls `flush` first. On SQLite each
 * write runs at once: there is no round trip to save.
 */
export class WriteBatch {
  private readonly parts: string[] = [];
  private readonly params: unknown[] = [];
  private readonly targets = new Set<string>();
  private readonly pg: boolean;

  constructor(private readonly em: EntityManager) {
    this.pg = isPostgres(em);
  }

  /** `sql`: one INSERT, UPDATE or DELETE of a quoted table, with $n placeholders (PostgreSQL) or ? (SQLite). */
  async write(sql: string, params: unknown[]): Promise<void> {
    if (!this.pg) {
      await this.em.query(sql, params);
      return;
    }
    const target = /^(INSERT INTO|UPDATE|DELETE FROM) ("[^"]+")/.exec(sql);
    if (!target) throw new Error(`not a write of one table: ${sql.slice(0, 60)}`);
    if (this.targets.has(target[0]) || this.params.length + params.length > MAX_PARAMS) await this.flush();
    const offset = this.params.length;
    this.parts.push(offset ? sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`) : sql);
    for (const p of params) this.params.push(p);
    this.targets.add(target[0]);
  }

  /** Sends what is pending (one statement). */
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const last = this.parts.length - 1;
    const sql =
      last === 0
        ? this.parts[0]
        : `WITH ${this.parts
            .slice(0, last)
            .map((s, i) => `"w${i}" AS (${s})`)
            .join(', ')} ${this.parts[last]}`;
    const params = this.params.splice(0);
    this.parts.length = 0;
    this.targets.clear();
    await this.em.query(sql, params);
  }
}
