import type { DataSource } from 'typeorm';
import { countyDate, isoWeekOf } from '@ledger/contracts/county-time';
import type { EventStore } from '@ledger/event-store';
import type { Clock, LedgerConfig } from '@ledger/platform';
import { currentStateCheckpoint, ReadQueries, TemporalQueries, temporalCheckpoint } from '@ledger/read-models';
import type { BulletinSchedule, MessagePayload, WeeklyBulletinSchedule } from '@ledger/read-models/notifications';
import { bulletinTitle, closedOf, percentText, periodText, rankTownships, type BulletinData } from '@ledger/sheets-io';
import { BulletinFigures } from '@ledger/read-models/bulletins/figures';
import { monthlyScheduleAt, weeklyScheduleAt } from './bulletin-schedule';

/**
 * The month whose bulletin is due at `nowMs` under `schedule`: the county month before now's, from
 * county day `schedule.day` on (null before it). Only the last month is ever due: a notifier turned on
 * in June does not send January to May.
 */
export function dueMonthlyPeriod(schedule: BulletinSchedule, nowMs: number): string | null {
  const { year, month, reached } = monthlyScheduleAt(schedule, nowMs);
  if (!reached) return null;
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}

/**
 * The ISO week (`YYYY-Www`) whose bulletin is due at `nowMs` under `schedule`: the county week before
 * now's, from county weekday `schedule.weekday` (1 Monday … 7 Sunday) on (null before it). As for the
 * month, only the last week is ever due.
 */
export function dueWeeklyPeriod(schedule: WeeklyBulletinSchedule, nowMs: number): string | null {
  if (!weeklyScheduleAt(schedule, nowMs).reached) return null;
  // Seven days back is in the week before: the county keeps one offset all year.
  const { year, week } = isoWeekOf(countyDate(new Date(nowMs - 7 * 86_400_000)));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The outbox key of a period's monthly bulletin: one message per channel and period, ever. */
export const monthlyBulletinKey = (period: string) => `bulletin:monthly:${period}`;
/** The same for a week's: `bulletin:weekly:2026-W48` (the two never share a period, nor a key). */
export const weeklyBulletinKey = (period: string) => `bulletin:weekly:${period}`;

/**
 * The message a channel carries for a bulletin: its headline figures and a link to the document
 * (DingTalk and WeCom robots cannot carry a .docx). The checkpoint is stated so the figures can be recomputed.
 */
export function bulletinPayload(d: BulletinData): MessagePayload {
  const { title, number } = bulletinTitle(d);
  const c = d.county;
  const best = rankTownships(d.townships)[0];
  return {
    title: `【督查通报】${title}${number}`,
    lines: [
      `${periodText(d.period)}：截至${d.day}，全县共有交办事项${c.total}项，已办结${closedOf(c)}项，办结率${percentText(c.closureRate)}，` +
        `按期办结率${percentText(c.onTimeRate)}；逾期未办结${c.overdue}项。`,
      ...(best ? [`乡镇排名第一：${best.name}（办结率${percentText(best.closureRate)}，按期办结率${percentText(best.onTimeRate)}）。`] : []),
      `本期共退回${d.returns.length}次，作出问责决定${d.decisions.length}项。`,
      `数据截至 asOf=${d.asOf}，台账日志位置 ${d.position}。`,
    ],
    path: `/api/v1/bulletins/${d.period.period}`,
    dueDate: null,
    unitId: null,
  };
}

/**
 * The figures of a month's bulletin read from the read models, as GET /api/v1/bulletins/<period> reads
 * them, or null while the projector is behind the log's head (a figure missing an event of the month).
 */
export function bulletinFromReadModels(
  db: DataSource,
  store: Pick<EventStore, 'headPosition'>,
  config: Pick<LedgerConfig, 'dueSoonDays'>,
  clock: Clock,
): (period: string) => Promise<BulletinData | null> {
  const figures = new BulletinFigures(new TemporalQueries(db, config), new ReadQueries(db, config), clock);
  return async (period) => {
    const head = await store.headPosition();
    if ((await currentStateCheckpoint(db)) < head || (await temporalCheckpoint(db)) < head) return null;
    return figures.gather(period);
  };
}
