import { ItemRow, addDays } from '@ledger/read-models';
import type { DataSource, SelectQueryBuilder } from 'typeorm';

export interface Candidate {
  id: string;
  dueDate: string;
}

const PAGE = 500;

/**
 * Items whose due date in force passed before `today` and for which no DeadlineMissed of that date is
 * projected yet: open ones, and ones concluded late (the worker may have been off on the day).
 * The read models only nominate; the item's stream decides.
 */
export function missedCandidates(ds: DataSource, today: string): AsyncGenerator<Candidate[]> {
  return pagesByDueDate(ds, (qb) =>
    qb
      .where(`(i.status IN ('assigned','in_progress','reported') OR (i.status = 'concluded' AND i."onTime" = :late))`, { late: false })
      .andWhere('i."dueDate" < :today', { today })
      .andWhere('(i."deadlineMissedFor" IS NULL OR i."deadlineMissedFor" <> i."dueDate")'),
  );
}

/**
 * Items the escalation ladder may press today: not yet reported, due at least `firstStepDays` before
 * `today`. Which step, if any, is the item's stream's call (it knows the steps already recorded).
 */
export function escalationCandidates(ds: DataSource, today: string, firstStepDays: number): AsyncGenerator<Candidate[]> {
  return pagesByDueDate(ds, (qb) =>
    qb.where(`i.status IN ('assigned','in_progress')`).andWhere('i."dueDate" <= :last', { last: addDays(today, -firstStepDays) }),
  );
}

/** Items not yet reported whose due date in force is within `days` from today (today included). */
export function reminderCandidates(ds: DataSource, today: string, days: number): AsyncGenerator<Candidate[]> {
  return pagesByDueDate(ds, (qb) =>
    qb.where(`i.status IN ('assigned','in_progress')`).andWhere('i."dueDate" >= :today AND i."dueDate" <= :until', { today, until: addDays(today, days) }),
  );
}

/** The items `where` selects, `PAGE` at a time in (dueDate, id) order, each page after the last one's key. */
async function* pagesByDueDate(ds: DataSource, where: (qb: SelectQueryBuilder<ItemRow>) => SelectQueryBuilder<ItemRow>): AsyncGenerator<Candidate[]> {
  let after = { dueDate: '', id: '' };
  for (;;) {
    const rows = await where(ds.getRepository(ItemRow).createQueryBuilder('i').select(['i.id', 'i.dueDate']))
      .andWhere('(i."dueDate" > :d OR (i."dueDate" = :d AND i.id > :id))', { d: after.dueDate, id: after.id })
      .orderBy('i.dueDate', 'ASC')
      .addOrderBy('i.id', 'ASC')
      .limit(PAGE)
      .getMany();
    if (rows.length === 0) return;
    yield rows.map((r) => ({ id: r.id, dueDate: r.dueDate }));
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1];
  }
}
