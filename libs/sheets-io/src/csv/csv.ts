/**
 * RFC 4180 CSV, as Excel reads and writes it: quoted fields may hold the delimiter, doubled quotes and
 * line breaks; records end with CRLF, LF or CR.
 */

export interface CsvRecord {
  /** 1-based record number: the row Excel shows when it opens the file. */
  row: number;
  fields: string[];
}

/**
 * Bounds for reading a file someone sent: each record goes to `keep` (a record it declines costs no
 * memory), and the parse stops with `onLimit`'s error at the first field longer than `fieldChars` or
 * record wider than `fields`. Without them, every record is returned.
 */
export interface CsvLimits {
  fields: number;
  fieldChars: number;
  keep(record: CsvRecord): void;
  onLimit(limit: 'fields' | 'fieldChars', row: number): Error;
  /** Called once per record, for a time budget. */
  tick?(): void;
}

export function parseCsv(text: string, delimiter = ','): CsvRecord[] {
  const records: CsvRecord[] = [];
  scanCsv(text, delimiter, { fields: Infinity, fieldChars: Infinity, keep: (r) => records.push(r), onLimit: () => new Error('unreachable') });
  return records;
}

export function scanCsv(text: string, delimiter: string, limits: CsvLimits): void {
  const n = text.length;
  if (n === 0) return;
  let row = 0;
  const push = (fields: string[]) => {
    row++;
    limits.tick?.();
    limits.keep({ row, fields });
  };
  // Fields are copied as slices between the characters that matter, never one character at a time.
  const special = new RegExp(`[${delimiter === '\t' ? '\\t' : delimiter}\r\n]`, 'g');
  let fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) {
          field += text.slice(i);
          i = n;
          break;
        }
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    }
    // Unquoted (or the stray rest after a closing quote, kept as Excel keeps it).
    special.lastIndex = i;
    const m = special.exec(text);
    const stop = m ? m.index : n;
    field += text.slice(i, stop);
    if (field.length > limits.fieldChars) throw limits.onLimit('fieldChars', row + 1);
    if (fields.length >= limits.fields) throw limits.onLimit('fields', row + 1);
    fields.push(field);
    if (stop >= n) {
      push(fields);
      return;
    }
    const c = text[stop];
    i = stop + 1;
    if (c === delimiter) continue;
    // A line ends the record; a final line break does not start an empty one.
    if (c === '\r' && text[i] === '\n') i++;
    push(fields);
    fields = [];
    if (i >= n) return;
  }
}

/** Tab when the first line has tabs and no commas (Excel's "Unicode text" export), else comma. */
export function sniffDelimiter(text: string): ',' | '\t' {
  const eol = text.search(/\r|\n/);
  const firstLine = eol === -1 ? text : text.slice(0, eol);
  return firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** UTF-8 with a BOM (so that Excel does not guess GBK) and CRLF line ends. */
export function writeCsv(rows: readonly (readonly string[])[]): Buffer {
  const text = rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}
