import { countyDate, isoWeekOf } from '@ledger/contracts/county-time';
import type { BulletinSchedule, WeeklyBulletinSchedule } from '@ledger/read-models/notifications';

/**
 * The schedule rule, once for the bulletins that fall due (bulletins.ts) and for the instant the next
 * one does (bulletin-timer.ts): a month's schedule day, or a week's schedule weekday, has `reached` from
 * its county 00:00 on; before it, nothing of that month or week is due.
 */
export function monthlyScheduleAt(schedule: BulletinSchedule, atMs: number): { year: number; month: number; reached: boolean } {
  const [year, month, day] = countyDate(new Date(atMs)).split('-').map(Number);
  return { year, month, reached: day >= schedule.day };
}

/** As monthlyScheduleAt, for a week: the county date of `atMs`, its ISO weekday (1 Monday … 7 Sunday). */
export function weeklyScheduleAt(schedule: WeeklyBulletinSchedule, atMs: number): { date: string; weekday: number; reached: boolean } {
  const date = countyDate(new Date(atMs));
  const { weekday } = isoWeekOf(date);
  return { date, weekday, reached: weekday >= schedule.weekday };
}
