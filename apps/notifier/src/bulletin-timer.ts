import { countyDayStartMs } from '@ledger/contracts/county-time';
import type { BulletinSchedule, NotifyConfig, WeeklyBulletinSchedule } from '@ledger/read-models/notifications';
import { monthlyScheduleAt, weeklyScheduleAt } from './bulletin-schedule';

/** The next instant after `atMs` from which another month is due under `schedule` (county day `schedule.day`, 00:00). */
export function nextMonthlyDueAt(schedule: BulletinSchedule, atMs: number): number {
  const { year, month, reached } = monthlyScheduleAt(schedule, atMs);
  const [y, m] = !reached ? [year, month] : month === 12 ? [year + 1, 1] : [year, month + 1];
  return countyDayStartMs(`${y}-${String(m).padStart(2, '0')}-${String(schedule.day).padStart(2, '0')}`);
}

/** The next instant after `atMs` from which another week is due under `schedule` (county weekday `schedule.weekday`, 00:00). */
export function nextWeeklyDueAt(schedule: WeeklyBulletinSchedule, atMs: number): number {
  const { date, weekday, reached } = weeklyScheduleAt(schedule, atMs);
  return countyDayStartMs(date, reached ? 7 - weekday + schedule.weekday : schedule.weekday - weekday);
}

/**
 * When the scheduled bulletins are to be looked at: once when the notifier leads, then at the next
 * instant a period falls due, instead of on every pass. A configuration reloaded (another bulletins
 * object), a clock set back (the instant was computed from a later time) or a period due but not yet
 * queued (figures behind the log, or failing) is looked at again on the next pass.
 */
export class BulletinTimer {
  private schedules: NotifyConfig['bulletins'] | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private nextAt = Number.NEGATIVE_INFINITY;

  /** Whether to look at `bulletins` at `nowMs`. */
  due(bulletins: NotifyConfig['bulletins'], nowMs: number): boolean {
    return bulletins !== this.schedules || nowMs < this.checkedAt || nowMs >= this.nextAt;
  }

  /** After a look at `atMs`: `settled` when every due period is in the outbox (or none is due). */
  checked(bulletins: NotifyConfig['bulletins'], atMs: number, settled: boolean): void {
    this.schedules = bulletins;
    this.checkedAt = atMs;
    if (!settled) this.nextAt = atMs;
    else
      this.nextAt = Math.min(
        bulletins.monthly ? nextMonthlyDueAt(bulletins.monthly, atMs) : Number.POSITIVE_INFINITY,
        bulletins.weekly ? nextWeeklyDueAt(bulletins.weekly, atMs) : Number.POSITIVE_INFINITY,
      );
  }
}
