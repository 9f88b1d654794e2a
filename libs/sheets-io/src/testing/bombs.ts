import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';

/**
 * Files that cost little to send and much to read, built here rather than stored: each stays under
 * the 10 MB upload limit and is a valid CSV, or a valid .xlsx (exceljs and Excel open the small ones).
 */

interface ZipPart {
  name: string;
  /** Raw deflate stream. */
  deflated: Buffer;
  size: number;
  crc: number;
  /** What the headers claim instead of `size` (a bomb lying about itself). */
  declaredSize?: number;
}

function part(name: string, text: string): ZipPart {
  const data = Buffer.from(text, 'utf8');
  return { name, deflated: deflateRawSync(data), size: data.length, crc: crc32(data) };
}

/** A deflated part from text produced piecewise, never held whole (it may be hundreds of MB). */
async function streamedPart(name: string, pieces: Iterable<string>): Promise<ZipPart> {
  const deflater = createDeflateRaw({ level: 6 });
  const out: Buffer[] = [];
  deflater.on('data', (b: Buffer) => out.push(b));
  const done = new Promise((resolve, reject) => (deflater.on('end', resolve), deflater.on('error', reject)));
  let size = 0;
  let crc = 0;
  for (const piece of pieces) {
    const bytes = Buffer.from(piece, 'utf8');
    size += bytes.length;
    crc = crc32(bytes, crc);
    if (!deflater.write(bytes)) await new Promise((r) => deflater.once('drain', r));
  }
  deflater.end();
  await done;
  return { name, deflated: Buffer.concat(out), size, crc };
}

/** A zip as Excel writes one: local headers, data, central directory, end record. */
function zip(parts: ZipPart[]): Buffer {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const name = Buffer.from(p.name, 'utf8');
    const size = p.declaredSize ?? p.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(p.crc >>> 0, 14);
    local.writeUInt32LE(p.deflated.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt32LE(p.crc >>> 0, 16);
    entry.writeUInt32LE(p.deflated.length, 20);
    entry.writeUInt32LE(size, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    chunks.push(local, name, p.deflated);
    central.push(entry, name);
    offset += local.length + name.length + p.deflated.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, cd, end]);
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** The parts around one sheet that make it a workbook Excel opens. */
function workbookParts(): ZipPart[] {
  return [
    part(
      '[Content_Types].xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    ),
    part(
      '_rels/.rels',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ),
    part(
      'xl/workbook.xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="交办单" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ),
    part(
      'xl/_rels/workbook.xml.rels',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    ),
  ];
}

const SHEET_OPEN = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="${MAIN}" xmlns:r="${REL}"><sheetData>`;

function columnName(c: number): string {
  let s = '';
  for (let n = c + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** A header row, then rows × columns numbered cells: 3,000,000 cells fit in about 8 MB. */
export async function cellBombXlsx(rows = 300_000, columns = 10): Promise<Buffer> {
  const header = ['序号', '事项', '办理要求', '责任单位', '责任人', '完成时限', '责任领导'];
  function* pieces(): Iterable<string> {
    yield SHEET_OPEN;
    yield `<row r="1">${header.map((h, c) => `<c r="${columnName(c)}1" t="inlineStr"><is><t>${h}</t></is></c>`).join('')}</row>`;
    const names = Array.from({ length: columns }, (_, c) => columnName(c));
    let batch = '';
    for (let r = 2; r <= rows + 1; r++) {
      batch += `<row r="${r}">`;
      for (let c = 0; c < columns; c++) batch += `<c r="${names[c]}${r}"><v>${c}</v></c>`;
      batch += '</row>';
      if (r % 2000 === 0) {
        yield batch;
        batch = '';
      }
    }
    yield `${batch}</sheetData></worksheet>`;
  }
  return zip([...workbookParts(), await streamedPart('xl/worksheets/sheet1.xml', pieces())]);
}

/**
 * About 200 KB holding a sheet of `megabytes` MB: one cell whose text is a single byte repeated.
 * `lie`: the headers declare the sheet 4 KB, so only the inflating itself can tell.
 */
export async function zipBombXlsx(options: { megabytes?: number; lie?: boolean } = {}): Promise<Buffer> {
  const megabytes = options.megabytes ?? 200;
  const mb = 'A'.repeat(1024 * 1024);
  function* pieces(): Iterable<string> {
    yield `${SHEET_OPEN}<row r="1"><c r="A1" t="inlineStr"><is><t>`;
    for (let i = 0; i < megabytes; i++) yield mb;
    yield '</t></is></c></row></sheetData></worksheet>';
  }
  const sheet = await streamedPart('xl/worksheets/sheet1.xml', pieces());
  if (options.lie) sheet.declaredSize = 4096;
  return zip([...workbookParts(), sheet]);
}

/** A small, valid sheet with one extra in its sheet XML (after sheetData, as the schema orders it). */
export function sheetWithExtra(rows: readonly (readonly (string | number)[])[], extra: string): Buffer {
  const body = rows
    .map(
      (cells, r) =>
        `<row r="${r + 1}">${cells.map((v, c) => (typeof v === 'number' ? `<c r="${columnName(c)}${r + 1}"><v>${v}</v></c>` : `<c r="${columnName(c)}${r + 1}" t="inlineStr"><is><t>${v}</t></is></c>`)).join('')}</row>`,
    )
    .join('');
  return zip([...workbookParts(), part('xl/worksheets/sheet1.xml', `${SHEET_OPEN}${body}</sheetData>${extra}</worksheet>`)]);
}

/** A CSV of `lines` short lines under a header: 5,000,000 of them in 10 MB. */
export function csvLinesBomb(lines = 5_000_000): Buffer {
  const header = Buffer.from('序号,事项,责任单位,责任人,完成时限\n', 'utf8');
  const body = Buffer.alloc(lines * 2, 'x\n');
  return Buffer.concat([header, body]);
}
