import { Cell, EMPTY, pad, textCell } from './cells';
import { findHeaderRow } from './columns';
import { Budget, SheetLimits, limitError } from './limits';
import type { Grid, GridRow } from './read-grid';
import { attr, prefixedAttr, XmlHandler, XmlTokenizer, XmlUnreadable } from './xml';
import { ZipEntry, ZipUnreadable, inflateEntry, readZipDirectory } from './zip';

/** Not a workbook we can read (the caller says so in Chinese); limits are SheetLimitError. */
export class WorkbookUnreadable extends Error {}

/**
 * The .xlsx as the import needs it, read without exceljs: the zip directory is judged first (entry
 * count, declared sizes, ratios), then each part is inflated and tokenized a chunk at a time, and only
 * non-empty cells are kept, up to the limits. exceljs' in-memory workbook held an object per cell,
 * expanded every merged range and data validation cell by cell (a validation on A2:A1048576 alone is
 * a million entries) and inflated the whole archive before looking at it.
 *
 * Values as exceljs gave them: shared and inline strings (rich text joined, phonetic runs left out),
 * numbers, dates (a number in a date format, 1900 or 1904 system), booleans, error values, a formula's
 * cached result (none: an error cell asking to recalculate); merged cells read their master's value.
 */
export async function readXlsxGrid(zip: Buffer, limits: SheetLimits, budget: Budget): Promise<Grid> {
  let entries: Map<string, ZipEntry>;
  try {
    entries = readZipDirectory(zip, limits);
  } catch (e) {
    throw e instanceof ZipUnreadable ? new WorkbookUnreadable(e.message) : e;
  }
  try {
    return await readWorkbook(zip, entries, limits, budget);
  } catch (e) {
    if (e instanceof ZipUnreadable || e instanceof XmlUnreadable) throw new WorkbookUnreadable(e.message);
    throw e;
  }
}

async function readWorkbook(zip: Buffer, entries: Map<string, ZipEntry>, limits: SheetLimits, budget: Budget): Promise<Grid> {
  const part = (path: string) => entries.get(path.toLowerCase());
  const parse = (entry: ZipEntry, handler: XmlHandler) => parsePart(zip, entry, handler, limits, budget);

  const rootRels = part('_rels/.rels');
  const rootTargets = rootRels ? await readRels(rootRels, '', parse) : [];
  const workbookPath = rootTargets.find((r) => r.type.endsWith('/officeDocument'))?.target ?? 'xl/workbook.xml';
  const workbookEntry = part(workbookPath);
  if (!workbookEntry) throw new WorkbookUnreadable('no workbook part');
  const base = workbookPath.includes('/') ? workbookPath.slice(0, workbookPath.lastIndexOf('/') + 1) : '';
  const relsEntry = part(`${base}_rels/${workbookPath.slice(base.length)}.rels`);
  const rels = relsEntry ? await readRels(relsEntry, base, parse) : [];

  const sheets: { name: string; visible: boolean; relId: string | undefined }[] = [];
  let date1904 = false;
  await parse(workbookEntry, {
    open(name, attrs) {
      if (name === 'sheet') {
        const state = attr(attrs, 'state');
        sheets.push({
          name: attr(attrs, 'name') ?? '',
          visible: state === undefined || state === 'visible',
          relId: prefixedAttr(attrs, 'r:id') ?? attr(attrs, 'id'),
        });
      } else if (name === 'workbookPr') {
        const v = attr(attrs, 'date1904');
        date1904 = v === '1' || v === 'true';
      }
    },
    close() {},
    text() {},
  });

  const byType = (suffix: string) => rels.find((r) => r.type.endsWith(suffix))?.target;
  const stylesEntry = part(byType('/styles') ?? `${base}styles.xml`);
  const dateStyles = stylesEntry ? await readDateStyles(stylesEntry, parse) : [];
  const stringsEntry = part(byType('/sharedStrings') ?? `${base}sharedStrings.xml`);
  if (stringsEntry && stringsEntry.size > limits.sharedStringsBytes) throw limitError('sharedStringsBytes', limits.sharedStringsBytes);
  const strings = stringsEntry ? await readSharedStrings(stringsEntry, limits, parse) : [];

  // A cover or instructions sheet may come first: the first visible sheet that holds the header row.
  for (const sheet of sheets) {
    if (!sheet.visible) continue;
    const target = rels.find((r) => r.id === sheet.relId)?.target;
    const entry = target ? part(target) : undefined;
    if (!entry) continue;
    const rows = await readSheet(entry, { strings, dateStyles, date1904, limits, budget }, parse);
    if (findHeaderRow(rows) !== -1) return { rows, worksheet: sheet.name };
  }
  return { rows: [] };
}

async function parsePart(zip: Buffer, entry: ZipEntry, handler: XmlHandler, limits: SheetLimits, budget: Budget): Promise<void> {
  // A cell's text plus its markup; longer is a bomb of one repeated byte, not a cell.
  const tokenizer = new XmlTokenizer(handler, limits.cellChars * 4 + 4096, () => limitError('cellChars', limits.cellChars));
  for await (const chunk of inflateEntry(zip, entry, limits, budget)) tokenizer.write(chunk);
  tokenizer.end();
}

type Parse = (entry: ZipEntry, handler: XmlHandler) => Promise<void>;

async function readRels(entry: ZipEntry, base: string, parse: Parse): Promise<{ id: string; type: string; target: string }[]> {
  const rels: { id: string; type: string; target: string }[] = [];
  await parse(entry, {
    open(name, attrs) {
      if (name !== 'Relationship' || attr(attrs, 'TargetMode') === 'External') return;
      const target = attr(attrs, 'Target');
      if (target) rels.push({ id: attr(attrs, 'Id') ?? '', type: attr(attrs, 'Type') ?? '', target: resolvePath(base, target) });
    },
    close() {},
    text() {},
  });
  return rels;
}

function resolvePath(base: string, target: string): string {
  const parts = (target.startsWith('/') ? target.slice(1) : base + target).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') out.pop();
    else if (p !== '.' && p !== '') out.push(p);
  }
  return out.join('/');
}

/** Built-in number formats that show a date: Excel's 14–22, 45–47 and the CJK locales' 27–36 and 50–58. */
const BUILT_IN_DATES = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

/** exceljs' test: a date or time letter outside quotes and [brackets]. */
function isDateFormat(code: string): boolean {
  return /[ymdhMsb]+/.test(code.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/** Per cell style (the `s` of a cell): whether it shows a date. */
async function readDateStyles(entry: ZipEntry, parse: Parse): Promise<boolean[]> {
  const custom = new Map<number, string>();
  const formats: number[] = [];
  let inCellXfs = false;
  await parse(entry, {
    open(name, attrs) {
      if (name === 'numFmt') custom.set(Number(attr(attrs, 'numFmtId')), attr(attrs, 'formatCode') ?? '');
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) formats.push(Number(attr(attrs, 'numFmtId') ?? 0));
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
    text() {},
  });
  return formats.map((id) => (custom.has(id) ? isDateFormat(custom.get(id)!) : BUILT_IN_DATES.has(id)));
}

/** `_x000D_` and the like: how SpreadsheetML escapes characters XML cannot hold. */
function unescapeOoxml(text: string): string {
  return text.indexOf('_x') === -1 ? text : text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

async function readSharedStrings(entry: ZipEntry, limits: SheetLimits, parse: Parse): Promise<string[]> {
  const strings: string[] = [];
  let current: string[] | null = null;
  let length = 0;
  let inText = false;
  let phonetic = 0;
  await parse(entry, {
    open(name, _attrs, selfClosing) {
      if (name === 'si') {
        if (strings.length >= limits.cells) throw limitError('cells', limits.cells);
        current = [];
        length = 0;
      } else if (name === 'rPh') phonetic++;
      else if (name === 't' && !selfClosing) inText = current !== null && phonetic === 0;
    },
    close(name) {
      if (name === 'si') {
        strings.push(current ? unescapeOoxml(current.join('')) : '');
        current = null;
      } else if (name === 'rPh') phonetic--;
      else if (name === 't') inText = false;
    },
    text(text) {
      if (!inText) return;
      length += text.length;
      if (length > limits.cellChars) throw limitError('cellChars', limits.cellChars);
      current!.push(text);
    },
  });
  return strings;
}

interface SheetContext {
  strings: string[];
  dateStyles: boolean[];
  date1904: boolean;
  limits: SheetLimits;
  budget: Budget;
}

const FORMULA_WITHOUT_RESULT: Cell = { kind: 'error', message: '公式没有计算结果，请在 Excel 中重新计算并保存后再导入' };

async function readSheet(entry: ZipEntry, ctx: SheetContext, parse: Parse): Promise<GridRow[]> {
  const { limits, budget } = ctx;
  const rows: GridRow[] = [];
  const merges: string[] = [];
  let cellCount = 0;
  let rowNumber = 0;
  let cells: Cell[] = [];
  let col = -1;
  let type: string | undefined;
  let style = 0;
  let hasFormula = false;
  let value: string[] | null = null;
  let inline: string[] | null = null;
  let capture: string[] | null = null;
  let captured = 0;
  let phonetic = 0;

  const keep = (c: number, cell: Cell) => {
    if (c >= limits.columns) throw limitError('columns', limits.columns, rowNumber);
    if (++cellCount > limits.cells) throw limitError('cells', limits.cells, rowNumber);
    cells[c] = cell;
  };

  await parse(entry, {
    open(name, attrs, selfClosing) {
      switch (name) {
        case 'row': {
          const r = Number(attr(attrs, 'r'));
          rowNumber = Number.isInteger(r) && r > rowNumber ? r : rowNumber + 1;
          cells = [];
          col = -1;
          return;
        }
        case 'c': {
          budget.tick();
          const ref = attr(attrs, 'r');
          const c = ref === undefined ? -1 : columnIndex(ref);
          col = c >= 0 ? c : col + 1;
          type = attr(attrs, 't');
          style = Number(attr(attrs, 's') ?? 0);
          hasFormula = false;
          value = null;
          inline = null;
          captured = 0;
          return;
        }
        case 'f':
          hasFormula = true;
          return;
        case 'v':
          value = [];
          if (!selfClosing) capture = value;
          return;
        case 'is':
          inline = [];
          return;
        case 'rPh':
          phonetic++;
          return;
        case 't':
          if (inline && phonetic === 0 && !selfClosing) capture = inline;
          return;
        case 'mergeCell': {
          const ref = attr(attrs, 'ref');
          if (ref) merges.push(ref);
          return;
        }
      }
    },
    close(name) {
      switch (name) {
        case 'v':
        case 't':
          capture = null;
          return;
        case 'rPh':
          phonetic--;
          return;
        case 'c': {
          const cell = cellValue(type, style, hasFormula, value, inline, ctx);
          if (cell.kind !== 'empty') keep(col, cell);
          return;
        }
        case 'row':
          if (cells.length > 0) {
            if (rows.length >= limits.fileRows) throw limitError('fileRows', limits.fileRows, rowNumber);
            rows.push({ row: rowNumber, cells });
          }
          cells = [];
          return;
      }
    },
    text(text) {
      if (capture === null) return;
      captured += text.length;
      if (captured > limits.cellChars) throw limitError('cellChars', limits.cellChars, rowNumber);
      capture.push(text);
    },
  });
  applyMerges(rows, merges, limits, cellCount);
  for (const r of rows) for (let c = 0; c < r.cells.length; c++) r.cells[c] ??= EMPTY;
  return rows;
}

function cellValue(type: string | undefined, style: number, hasFormula: boolean, value: string[] | null, inline: string[] | null, ctx: SheetContext): Cell {
  if (type === 'inlineStr') return inline ? textCell(unescapeOoxml(inline.join(''))) : EMPTY;
  if (value === null) return hasFormula ? FORMULA_WITHOUT_RESULT : EMPTY;
  const v = value.join('');
  switch (type) {
    case 's': {
      const s = ctx.strings[Number(v)];
      return s === undefined ? EMPTY : textCell(s);
    }
    case 'str':
      return textCell(unescapeOoxml(v));
    case 'b':
      return { kind: 'text', text: v === '1' || v === 'true' ? 'TRUE' : 'FALSE' };
    case 'e':
      return { kind: 'error', message: `单元格为错误值 ${v}` };
    case 'd': {
      const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(v);
      return m ? { kind: 'date', date: `${m[1]}-${m[2]}-${m[3]}` } : textCell(v);
    }
    default: {
      if (v.trim() === '') return EMPTY;
      const n = Number(v);
      if (!Number.isFinite(n)) return EMPTY;
      return ctx.dateStyles[style] ? { kind: 'date', date: serialDate(n, ctx.date1904) } : { kind: 'number', value: n };
    }
  }
}

/** As exceljs turned a serial into an instant and the import took its date (a second added against float error). */
function serialDate(serial: number, date1904: boolean): string {
  const t = new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000) + 1000);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** 'B12' → 1; -1 when the reference has no column letters. */
function columnIndex(ref: string): number {
  let c = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const code = ref.charCodeAt(i) | 0x20;
    if (code < 0x61 || code > 0x7a) break;
    c = c * 26 + (code - 0x60);
    if (c > 16384) return 16384;
  }
  return i === 0 ? -1 : c - 1;
}

function parseRange(ref: string): { top: number; left: number; bottom: number; right: number } | null {
  const m = /^\$?([A-Za-z]{1,3})\$?(\d{1,7}):\$?([A-Za-z]{1,3})\$?(\d{1,7})$/.exec(ref.trim());
  if (!m) return null;
  const a = { col: columnIndex(m[1]), row: Number(m[2]) };
  const b = { col: columnIndex(m[3]), row: Number(m[4]) };
  return { top: Math.min(a.row, b.row), bottom: Math.max(a.row, b.row), left: Math.min(a.col, b.col), right: Math.max(a.col, b.col) };
}

/** Every cell of a merged range reads the master's value; the cells it adds count against the limits. */
function applyMerges(rows: GridRow[], merges: string[], limits: SheetLimits, cellCount: number): void {
  if (merges.length === 0) return;
  const byNumber = new Map(rows.map((r) => [r.row, r]));
  let added = false;
  for (const ref of merges) {
    const range = parseRange(ref);
    if (!range) continue;
    const master = byNumber.get(range.top)?.cells[range.left];
    if (!master || master.kind === 'empty') continue;
    const area = (range.bottom - range.top + 1) * (range.right - range.left + 1);
    if (range.right >= limits.columns) throw limitError('columns', limits.columns, range.top);
    cellCount += area - 1;
    if (cellCount > limits.cells) throw limitError('cells', limits.cells, range.top);
    for (let r = range.top; r <= range.bottom; r++) {
      let row = byNumber.get(r);
      if (!row) {
        if (byNumber.size >= limits.fileRows) throw limitError('fileRows', limits.fileRows, r);
        row = { row: r, cells: [] };
        byNumber.set(r, row);
        rows.push(row);
        added = true;
      }
      for (let c = range.left; c <= range.right; c++) row.cells[c] = master;
    }
  }
  if (added) rows.sort((a, b) => a.row - b.row);
}
