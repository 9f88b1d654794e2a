import { Cell, pad } from './cells';

export type DateReading = { ok: true; date: string } | { ok: false; reason: 'missing' | 'unrecognised' | 'nonexistent' | 'cell_error'; message?: string };

const TEXT_DATE = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*[T\s]\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const SERIAL = /^\d{1,6}(?:\.\d+)?$/;

/** Excel's day 0 is 1899-12-30 for every serial after its phantom 1900-02-29 (serial 60). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const MAX_SERIAL = 2958465; // 9999-12-31

/**
 * A due date from a cell: a date cell; an Excel serial number; 20261231; or text such as 2026-12-31,
 * 2026/12/31, 2026.12.31, 2026年12月31日 (full-width digits too, a time of day ignored).
 */
export function readDate(cell: Cell): DateReading {
  switch (cell.kind) {
    case 'empty':
      return { ok: false, reason: 'missing' };
    case 'error':
      return { ok: false, reason: 'cell_error', message: cell.message };
    case 'date':
      return { ok: true, date: cell.date };
    case 'number':
      return fromNumber(cell.value);
    case 'text': {
      const text = cell.text.normalize('NFKC').trim();
      const m = TEXT_DATE.exec(text) ?? COMPACT_DATE.exec(text);
      if (m) return fromParts(Number(m[1]), Number(m[2]), Number(m[3]));
      if (SERIAL.test(text)) return fromNumber(Number(text));
      return { ok: false, reason: 'unrecognised' };
    }
  }
}

function fromNumber(value: number): DateReading {
  if (Number.isInteger(value) && value >= 19000101 && value <= 99991231) {
    return fromParts(Math.floor(value / 10000), Math.floor(value / 100) % 100, value % 100);
  }
  if (value < 61 || value > MAX_SERIAL) return { ok: false, reason: 'unrecognised' };
  const d = new Date(EXCEL_EPOCH_MS + Math.floor(value) * 86_400_000);
  return { ok: true, date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` };
}

export function fromParts(y: number, m: number, d: number): DateReading {
  const t = new Date(Date.UTC(y, m - 1, d));
  if (m < 1 || m > 12 || d < 1 || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) {
    return { ok: false, reason: 'nonexistent' };
  }
  return { ok: true, date: `${String(y).padStart(4, '0')}-${pad(m)}-${pad(d)}` };
}

export function isLocalDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return !!m && fromParts(Number(m[1]), Number(m[2]), Number(m[3])).ok;
}
