import { COUNTY_OFFSET_MS } from '@ledger/contracts/county-time';
import type { AccountabilityForm, AccountabilityTargetKind } from '@ledger/contracts/events';
import type { Figures, UnitFiguresRow } from '@ledger/contracts/http/views';

/** A month of county dates, `YYYY-MM`. */
export interface BulletinPeriod {
  period: string;
  year: number;
  month: number;
  /** First and last county dates, inclusive. */
  from: string;
  to: string;
  /** The last millisecond of the period in county time (UTC+8), as epoch ms: the default checkpoint. */
  endMs: number;
}

/** `2026-11` → the month; null for anything else (2026-13, 2026-1, 26-11, …). */
export function parseBulletinPeriod(period: string): BulletinPeriod | null {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (year < 2000 || month < 1 || month > 12) return null;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const mm = String(month).padStart(2, '0');
  return {
    period,
    year,
    month,
    from: `${year}-${mm}-01`,
    to: `${year}-${mm}-${String(lastDay).padStart(2, '0')}`,
    endMs: Date.UTC(year, month, 1) - COUNTY_OFFSET_MS - 1,
  };
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
    number: `〔${d.period.year}〕第${d.period.month}期`,
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
