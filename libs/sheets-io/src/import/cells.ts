/** A spreadsheet cell, reduced to what the import needs, whatever file it came from. */
export type Cell =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  | { kind: 'number'; value: number }
  /** A date-formatted Excel cell: the calendar date it shows. */
  | { kind: 'date'; date: string }
  | { kind: 'error'; message: string };

export const EMPTY: Cell = { kind: 'empty' };

export function textCell(raw: string): Cell {
  const text = raw.trim();
  return text === '' ? EMPTY : { kind: 'text', text };
}

/**
 * exceljs cell values: primitives, Date (the date as shown, at UTC midnight), rich text, formulas
 * (their cached result), hyperlinks and error values. Merged cells read their master's value.
 */
export function fromExcelValue(value: unknown): Cell {
  if (value === null || value === undefined) return EMPTY;
  if (typeof value === 'string') return textCell(value);
  if (typeof value === 'number') return Number.isFinite(value) ? { kind: 'number', value } : EMPTY;
  if (typeof value === 'boolean') return { kind: 'text', text: value ? 'TRUE' : 'FALSE' };
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? EMPTY : { kind: 'date', date: utcDate(value) };
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) return textCell((v.richText as { text?: string }[]).map((r) => r.text ?? '').join(''));
    if ('formula' in v || 'sharedFormula' in v) {
      if (v.result === undefined) {
        return { kind: 'error', message: '公式没有计算结果，请在 Excel 中重新计算并保存后再导入' };
      }
      return fromExcelValue(v.result);
    }
    if (typeof v.error === 'string') return { kind: 'error', message: `单元格为错误值 ${v.error}` };
    if ('text' in v) return fromExcelValue(v.text);
  }
  return textCell(String(value));
}

function utcDate(d: Date): string {
  // exceljs turns serials into instants with floating error; a date cell's time of day is irrelevant.
  const ms = d.getTime() + 1000;
  const t = new Date(ms);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The cell as text, for text columns: numbers as written, dates as YYYY-MM-DD. */
export function cellText(cell: Cell): string {
  switch (cell.kind) {
    case 'empty':
      return '';
    case 'text':
      return cell.text;
    case 'number':
      return String(cell.value);
    case 'date':
      return cell.date;
    case 'error':
      return '';
  }
}

/** Full-width digits and letters to ASCII, whitespace removed: for matching names, ids and headers. */
export function normalizeKey(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, '');
}

/** Characters as a reader counts them (code points, so that rare CJK ideographs count once). */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
