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
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  const endRecord = () => {
    fields.push(field);
    records.push({ row: records.length + 1, fields });
    fields = [];
    field = '';
  };
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      // Copy the run up to the next quote in one go: fields can be long.
      const next = text.indexOf('"', i);
      const end = next === -1 ? n : next;
      field += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      i++;
    } else if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      i++;
    }
  }
  // A final line break ends the last record; it does not start an empty one.
  if (field !== '' || fields.length > 0 || quoted) endRecord();
  return records;
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
