import { countyDate } from '@ledger/contracts/county-time';

const MS_PER_DAY = 86_400_000;

/** `YYYY-MM-DD` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The county-local date (Asia/Shanghai) of an ISO instant. */
export function countyDateOf(instant: string): string {
  return countyDate(new Date(instant));
}
