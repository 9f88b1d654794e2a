import { COUNTY_OFFSET_MS, countyDayEndMs, isoWeekDates, isoWeeksInYear } from '@ledger/contracts/county-time';
import type { AccountabilityForm, AccountabilityTargetKind } from '@ledger/contracts/events';
import type { Figures, UnitFiguresRow } from '@ledger/contracts/http/views';

/** A month of county dates, `YYYY-MM`, or an ISO-8601 week of them, `YYYY-Www` (Monday to Sunday). */
export interface BulletinPeriod {
  period: string;
  kind: 'month' | 'week';
  /** The calendar year of a month; the ISO week-year of a week (2026-W53 ends on 2027-01-03). */
  year: number;
  /** 1 to 12 for a month, null for a week. */
  month: number | null;
  /** 1 to 53 for a week, null for a month. */
  week: number | null;
  /** First and last county dates, inclusive. */
  from: string;
  to: string;
  /** The last millisecond of the period in county time (UTC+8), as epoch ms: the default checkpoint. */
  endMs: number;
}

export const BULLETIN_PERIOD_RULE = 'period must be a month YYYY-MM or an ISO week YYYY-Www, e.g. 2026-11 or 2026-W48';

/** `2026-11` → the month, `2026-W48` → the ISO week; null for anything else (2026-13, 2026-W54, 2026-1, 26-11, …). */
export function parseBulletinPeriod(period: string): BulletinPeriod | null {
  const w = /^(\d{4})-W(\d{2})$/.exec(period);
  if (w) {
    const year = Number(w[1]);
    const week = Number(w[2]);
    const dates = year >= 2000 ? isoWeekDates(year, week) : null;
    if (!dates) return null;
    return { period, kind: 'week', year, month: null, week, ...dates, endMs: countyDayEndMs(dates.to) };
  }
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (year < 2000 || month < 1 || month > 12) return null;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const mm = String(month).padStart(2, '0');
  const to = `${year}-${mm}-${String(lastDay).padStart(2, '0')}`;
  return { period, kind: 'month', year, month, week: null, from: `${year}-${mm}-01`, to, endMs: countyDayEndMs(to) };
}

/** Why `period` is not a bulletin period (the words of a 400), or null when it is one. */
export function bulletinPeriodProblem(period: string): string | null {
  if (parseBulletinPeriod(period)) return null;
  const w = /^(\d{4})-W(\d{2})$/.exec(period);
  if (w && Number(w[1]) >= 2000) {
    const n = isoWeeksInYear(Number(w[1]));
    return `period ${period}: ${w[1]} has ${n} ISO weeks (${w[1]}-W01 to ${w[1]}-W${n})`;
  }
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (m && Number(m[1]) >= 2000) return `period ${period}: a month is 01 to 12`;
  return BULLETIN_PERIOD_RULE;
}

/**
 * The period as the bulletin states it: a month by its dates (2026-11-01 至 2026-11-30), a week in words,
 * 2026年第48周（11月23日至11月29日）, with the years spelt out when the week straddles a new year.
 */
export function periodText(p: BulletinPeriod): string {
  if (p.kind === 'month') return `${p.from} 至 ${p.to}`;
  const sameYear = p.from.startsWith(`${p.year}-`) && p.to.startsWith(`${p.year}-`);
  const day = (date: string) => {
    const [y, m, d] = date.split('-').map(Number);
    return `${sameYear ? '' : `${y}年`}${m}月${d}日`;
  };
  return `${p.year}年第${p.week}周（${day(p.from)}至${day(p.to)}）`;
}

export interface BulletinOverdueItem {
  itemId: string;
  title: string;
  unitName: string;
  cadreName: string;
  dueDate: string;
  /** Calendar days past the due date on the checkpoint's county date. */
  daysOverdue: number;
}

export interface BulletinReturn {
  itemId: string;
  title: string;
  unitName: string;
  /** County date of the return. */
  day: string;
}

export interface BulletinDecision {
  itemId: string;
  title: string;
  targetKind: AccountabilityTargetKind;
  targetName: string;
  form: AccountabilityForm;
  dispositionForm: number | null;
  decidedBy: string;
  decidedOn: string;
  documentNo: string | null;
  revoked: boolean;
}

/**
 * Everything a 督查通报 states, computed by the caller from the read models as of ONE cut of the log
 * (`asOf` + `position`), so that the figures can be recomputed with `asOf` by anyone.
 */
export interface BulletinData {
  period: BulletinPeriod;
  /** The county committee's name, e.g. 湟源县委. */
  countyName: string;
  /** The checkpoint: an ISO instant and the last log position recorded at or before it. */
  asOf: string;
  position: string;
  /** The county date the figures are read on (overdue = due before it). */
  day: string;
  county: Figures;
  townships: UnitFiguresRow[];
  overdue: BulletinOverdueItem[];
  returns: BulletinReturn[];
  decisions: BulletinDecision[];
}

/** Townships best first: closure rate, then on-time rate, then fewer overdue, then name (a stable order). */
export function rankTownships(rows: readonly UnitFiguresRow[]): UnitFiguresRow[] {
  return [...rows].sort(
    (a, b) => b.closureRate - a.closureRate || b.onTimeRate - a.onTimeRate || a.overdue - b.overdue || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/** 0.6667 → 66.7% (one decimal: the bulletin's rates are read, not recomputed). */
export function percentText(fraction: number): string {
  return `${(Math.round(fraction * 1000) / 10).toFixed(1)}%`;
}

export function bulletinTitle(d: BulletinData): { title: string; number: string } {
  return {
    title: `${d.countyName}督查通报`,
    // Weekly and monthly bulletins are two series: a week's number says so, so 第11期 is never both.
    number: d.period.kind === 'week' ? `〔${d.period.year}〕第${d.period.week}期（周报）` : `〔${d.period.year}〕第${d.period.month}期`,
  };
}

/** An instant shown in county time: 2026-12-01T00:00:00.000Z → 2026-12-01 08:00:00. */
export function countyTimeText(iso: string): string {
  const ms = Date.parse(iso);
  return new Date(ms + COUNTY_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

export function closedOf(f: Figures): number {
  return f.concluded + f.struckOff;
}

export const BULLETIN_CONTENT_TYPES = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

export type BulletinFormat = keyof typeof BULLETIN_CONTENT_TYPES;
