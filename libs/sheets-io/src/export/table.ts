import { PassThrough } from 'node:stream';
import { COUNTY_OFFSET_MS } from '@ledger/contracts/county-time';
import { writeCsv } from '../csv/csv';
import { excel } from '../lazy-modules';

export type ExportFormat = 'xlsx' | 'csv';

export interface ExportFile {
  contentType: string;
  /** Chinese file name with its extension, e.g. 事项清单.xlsx. */
  fileName: string;
  /** A ready Content-Disposition value: an ASCII fallback plus the UTF-8 name (RFC 6266 / 5987). */
  contentDisposition: string;
  body: Buffer;
}

export const CONTENT_TYPES: { readonly [F in ExportFormat]: string } = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
};

/**
 * text; integer; date (YYYY-MM-DD, a county date); datetime (an ISO instant, shown in county time,
 * Asia/Shanghai = UTC+8 all year); percent (a fraction 0–1).
 */
export type ColumnKind = 'text' | 'integer' | 'date' | 'datetime' | 'percent';

export interface Column<R> {
  header: string;
  kind: ColumnKind;
  value: (row: R, index: number) => string | number | null | undefined;
}

export interface TableSpec<R> {
  sheetName: string;
  /** Without extension: Chinese, and an ASCII fallback for old clients. */
  fileName: string;
  asciiFileName: string;
  columns: readonly Column<R>[];
}

export async function writeTable<R>(spec: TableSpec<R>, rows: readonly R[], format: ExportFormat): Promise<ExportFile> {
  const body = format === 'csv' ? csvBody(spec, rows) : await xlsxBody(spec, rows);
  const fileName = `${spec.fileName}.${format}`;
  return {
    contentType: CONTENT_TYPES[format],
    fileName,
    contentDisposition: contentDisposition(fileName, `${spec.asciiFileName}.${format}`),
    body,
  };
}

export function contentDisposition(fileName: string, asciiFallback: string): string {
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${asciiFallback.replace(/["\\]/g, '_')}"; filename*=UTF-8''${encoded}`;
}

function csvBody<R>(spec: TableSpec<R>, rows: readonly R[]): Buffer {
  const lines: string[][] = [spec.columns.map((c) => c.header)];
  rows.forEach((row, i) => lines.push(spec.columns.map((c) => csvText(c.kind, c.value(row, i)))));
  return writeCsv(lines);
}

function csvText(kind: ColumnKind, v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '';
  switch (kind) {
    case 'percent':
      return `${(Number(v) * 100).toFixed(1)}%`;
    case 'datetime':
      return countyDateTimeText(String(v));
    case 'text':
      return guardFormula(String(v));
    default:
      return String(v);
  }
}

/**
 * A text that Excel would take for a formula (=, +, -, @ first) gets a leading apostrophe in CSV, as
 * OWASP advises against CSV injection; the .xlsx stores text as text and needs none.
 */
export function guardFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function countyWallClock(iso: string): Date | null {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : new Date(t + COUNTY_OFFSET_MS);
}

export function countyDateTimeText(iso: string): string {
  const d = countyWallClock(iso);
  return d ? d.toISOString().slice(0, 19).replace('T', ' ') : iso;
}

/**
 * Written through exceljs' streaming writer, each row committed as it is added: the in-memory
 * workbook kept an object per cell, beyond the API's heap bound for a county's export (docs/benchmarks.md). Column widths
 * come from a first pass over the values, since a streamed column is written before its rows.
 */
async function xlsxBody<R>(spec: TableSpec<R>, rows: readonly R[]): Promise<Buffer> {
  const widths = spec.columns.map((c) => displayWidth(c.header));
  rows.forEach((row, i) =>
    spec.columns.forEach((c, j) => {
      const v = xlsxValue(c.kind, c.value(row, i));
      if (c.kind === 'text' && typeof v === 'string') widths[j] = Math.max(widths[j], displayWidth(v));
      else if (c.kind === 'integer' && v !== null) widths[j] = Math.max(widths[j], String(v).length);
    }),
  );
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const workbook = new (excel().stream.xlsx.WorkbookWriter)({ stream: sink, useStyles: true, useSharedStrings: true });
  workbook.creator = 'accountability-ledger';
  const ws = workbook.addWorksheet(spec.sheetName, { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] });
  spec.columns.forEach((c, j) => {
    const column = ws.getColumn(j + 1);
    column.width = Math.min(60, Math.max(c.kind === 'datetime' ? 20 : c.kind === 'date' ? 12 : 8, widths[j] + 2));
    const numFmt = NUM_FORMATS[c.kind];
    if (numFmt) column.numFmt = numFmt;
  });
  const head = ws.addRow(spec.columns.map((c) => c.header));
  head.font = { bold: true };
  head.alignment = { vertical: 'middle', horizontal: 'center' };
  // The header keeps the general format a column-wide numFmt would otherwise give it.
  head.eachCell((cell) => (cell.numFmt = '@'));
  head.commit();
  rows.forEach((row, i) => ws.addRow(spec.columns.map((c) => xlsxValue(c.kind, c.value(row, i)))).commit());
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: spec.columns.length } };
  ws.commit();
  await workbook.commit();
  return Buffer.concat(chunks);
}

const NUM_FORMATS: Partial<Record<ColumnKind, string>> = {
  date: 'yyyy-mm-dd',
  datetime: 'yyyy-mm-dd hh:mm:ss',
  percent: '0.0%',
  integer: '0',
};

function xlsxValue(kind: ColumnKind, v: string | number | null | undefined): string | number | Date | null {
  if (v === null || v === undefined || v === '') return null;
  switch (kind) {
    case 'date': {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(v));
      return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : String(v);
    }
    case 'datetime':
      return countyWallClock(String(v)) ?? String(v);
    case 'integer':
    case 'percent':
      return Number(v);
    case 'text':
      return String(v);
  }
}

/** Columns are measured in Latin characters; a CJK character takes two. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const line of text.split('\n')) {
    let lw = 0;
    for (const ch of line) lw += ch.charCodeAt(0) > 0x2e7f ? 2 : 1;
    w = Math.max(w, lw);
  }
  return w;
}
