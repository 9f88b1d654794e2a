/**
 * The county's clock face, pure so that every part can share it: the server, libs that may not import
 * @ledger/platform (read-models, sheets-io) and the web app (through its alias). No part reads a clock here.
 */

/** Asia/Shanghai: +08:00 all year since 1991 (no daylight saving since), as countyInstant shows instants. */
export const COUNTY_OFFSET = '+08:00';
export const COUNTY_OFFSET_MS = 8 * 3_600_000;

/** The county-local date (Asia/Shanghai) of an instant, `YYYY-MM-DD`. */
export function countyDate(at: Date): string {
  // Arithmetic, not Intl.DateTimeFormat: this runs several times per command and per projected event.
  return new Date(at.getTime() + COUNTY_OFFSET_MS).toISOString().slice(0, 10);
}

/** ISO-8601 with the county's +08:00 offset, as the API shows instants. */
export function countyInstant(at: Date): string {
  return new Date(at.getTime() + COUNTY_OFFSET_MS).toISOString().replace('Z', COUNTY_OFFSET);
}

const DAY_MS = 86_400_000;
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const dateOfDay = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);

/** The first millisecond (00:00 county time) of the county date `days` after `YYYY-MM-DD`, as epoch ms. */
export function countyDayStartMs(date: string, days = 0): number {
  return (dayNumber(date) + days) * DAY_MS - COUNTY_OFFSET_MS;
}

/** The last millisecond of a county date `YYYY-MM-DD`, as epoch ms: where a period ending that day is read. */
export function countyDayEndMs(date: string): number {
  return (dayNumber(date) + 1) * DAY_MS - COUNTY_OFFSET_MS - 1;
}

/**
 * The ISO-8601 week of a county date `YYYY-MM-DD` (from countyDate): weeks run Monday (weekday 1) to
 * Sunday (7), and a week belongs to the year of its Thursday, so 2027-01-03 is in 2026-W53.
 */
export function isoWeekOf(date: string): { year: number; week: number; weekday: number } {
  const n = dayNumber(date);
  const weekday = ((new Date(n * DAY_MS).getUTCDay() + 6) % 7) + 1;
  const thursday = n - weekday + 4;
  const year = new Date(thursday * DAY_MS).getUTCFullYear();
  return { year, week: Math.floor((thursday - dayNumber(`${year}-01-01`)) / 7) + 1, weekday };
}

/** 52 or 53: December 28th is always in a year's last ISO week. */
export function isoWeeksInYear(year: number): number {
  return isoWeekOf(`${year}-12-28`).week;
}

/** Monday and Sunday of ISO week `week` of `year`, or null when the year has no such week. */
export function isoWeekDates(year: number, week: number): { from: string; to: string } | null {
  if (!Number.isInteger(year) || year < 1000 || year > 9999 || !Number.isInteger(week) || week < 1 || week > isoWeeksInYear(year)) return null;
  // January 4th is always in week 1.
  const monday = dayNumber(`${year}-01-04`) - isoWeekOf(`${year}-01-04`).weekday + 1 + (week - 1) * 7;
  return { from: dateOfDay(monday), to: dateOfDay(monday + 6) };
}
