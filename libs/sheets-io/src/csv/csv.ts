/**
 * RFC 4180 CSV, as Excel reads and writes it: quoted fields may hold the delimiter, doubled quotes and
 * line breaks; records end with CRLF, LF or CR.
 */

export interface CsvRecord {
  /** 1-based record number: the row Excel shows when it opens the file. */
  row: number;
  fields: string[];
}

export function parseCsv(text: string, delimiter = ','): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  if (n === 0) return records;
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
    fields.push(field);
    if (stop >= n) {
      records.push({ row: records.length + 1, fields });
      return records;
    }
    const c = text[stop];
    i = stop + 1;
    if (c === delimiter) continue;
    // A line ends the record; a final line break does not start an empty one.
    if (c === '\r' && text[i] === '\n') i++;
    records.push({ row: records.length + 1, fields });
    fields = [];
    if (i >= n) return records;
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
