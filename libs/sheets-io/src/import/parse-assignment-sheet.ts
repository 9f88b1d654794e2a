import { createHash } from 'node:crypto';
import { Cell, cellText, charCount } from './cells';
import { HeaderMatch, SHEET_COLUMNS, SheetField, findHeaderRow, matchHeaders } from './columns';
import { isLocalDate, readDate } from './dates';
import { sniffFileKind } from './decode';
import { Budget, DEFAULT_SHEET_LIMITS, SheetLimitError, type SheetLimits } from './limits';
import { Grid, GridRow, cellAt, csvGrid } from './read-grid';
import { Directory, Resolution } from './resolve';
import { WorkbookUnreadable, readXlsxGrid } from './xlsx-reader';
import type { ImportRow, SheetFormat, SheetImportOptions, SheetImportResult, SheetLookup, SheetProblem } from './types';

export const DEFAULT_MAX_ROWS = 10_000;
export const MAX_TITLE_LENGTH = 200;
export const MAX_REQUIREMENTS_LENGTH = 4000;

const REQUIRED_HEADERS = SHEET_COLUMNS.filter((c) => c.required).map((c) => c.header);

/**
 * Reads a 交办单 (.xlsx or CSV in UTF-8 / UTF-16 / GBK) and checks every row against the lookup.
 * Either every row is good and all come back, or none does and every problem is listed.
 */
export async function parseAssignmentSheet(bytes: Buffer | Uint8Array, lookup: SheetLookup, options: SheetImportOptions = {}): Promise<SheetImportResult> {
  if (!isLocalDate(lookup.today)) throw new RangeError(`lookup.today must be YYYY-MM-DD, got ${lookup.today}`);
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fingerprint = sheetFingerprint(buffer);
  const fail = (errors: SheetProblem[], format: SheetFormat | null, encoding?: string): SheetImportResult & { ok: false } => ({
    ok: false,
    errors,
    fingerprint,
    format,
    ...(encoding ? { encoding } : {}),
  });

  const kind = sniffFileKind(buffer);
  if (kind === 'xls') {
    return fail([{ row: null, column: null, message: '不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入' }], null);
  }
  const limits: SheetLimits = { ...DEFAULT_SHEET_LIMITS, ...options.limits };
  const budget = new Budget(limits, options.clock);
  const format: SheetFormat = kind;
  let grid: Grid;
  try {
    grid = kind === 'xlsx' ? await readXlsxGrid(buffer, limits, budget) : csvGrid(buffer, limits, budget);
  } catch (e) {
    if (e instanceof SheetLimitError) {
      return { ...fail([{ row: e.row, column: null, message: e.zh }], format), tooLarge: e.breach };
    }
    if (e instanceof WorkbookUnreadable) {
      return fail([{ row: null, column: null, message: '文件无法读取：不是有效的 Excel 工作簿' }], 'xlsx');
    }
    throw e;
  }
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const checked = checkGrid(grid, lookup, maxRows);
  if (checked.ok) return { ok: true, rows: checked.rows, fingerprint, format, ...(grid.encoding ? { encoding: grid.encoding } : {}) };
  return { ...fail(checked.errors, format, grid.encoding), ...(checked.tooMany ? { tooLarge: { limit: 'dataRows', max: maxRows } } : {}) };
}

export function sheetFingerprint(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

type Checked = { ok: true; rows: ImportRow[] } | { ok: false; errors: SheetProblem[]; tooMany?: true };

export function checkGrid(grid: Grid, lookup: SheetLookup, maxRows: number): Checked {
  const headerAt = findHeaderRow(grid.rows);
  if (headerAt === -1) {
    return {
      ok: false,
      errors: [{ row: null, column: null, message: `未找到表头行：表头须包含 ${REQUIRED_HEADERS.join('、')}` }],
    };
  }
  const headerRow = grid.rows[headerAt];
  const header = matchHeaders(headerRow.cells);
  const headerErrors: SheetProblem[] = [];
  for (const column of SHEET_COLUMNS) {
    if (column.required && header.index[column.field] === undefined) {
      headerErrors.push({ row: headerRow.row, column: column.header, field: column.field, message: `缺少「${column.header}」列` });
    }
  }
  for (const d of header.duplicates) {
    headerErrors.push({ row: headerRow.row, column: d.label, field: d.field, message: `「${d.label}」列出现了不止一次` });
  }
  if (headerErrors.length > 0) return { ok: false, errors: headerErrors };

  const dataRows = grid.rows.slice(headerAt + 1).filter((r) => !isBlank(r, header));
  if (dataRows.length > maxRows) {
    return {
      ok: false,
      errors: [{ row: dataRows[maxRows].row, column: null, message: `事项行数超过上限：最多 ${maxRows} 行，本文件有 ${dataRows.length} 行` }],
      tooMany: true,
    };
  }
  if (dataRows.length === 0) {
    return { ok: false, errors: [{ row: null, column: null, message: '表格中没有可导入的事项' }] };
  }

  const directory = new Directory(lookup);
  const errors: SheetProblem[] = [];
  const rows: ImportRow[] = [];
  const serials = new Map<string, number>();
  for (const r of dataRows) {
    const row = checkRow(r, header, directory, lookup.today, serials, errors);
    if (row) rows.push(row);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rows };
}

/** Empty, or holding only a 序号: templates come pre-numbered far below the last real item. */
function isBlank(row: GridRow, header: HeaderMatch): boolean {
  for (const column of SHEET_COLUMNS) {
    if (column.field === 'serial') continue;
    if (cellAt(row, header.index[column.field]).kind !== 'empty') return false;
  }
  return true;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkRow(
  r: GridRow,
  header: HeaderMatch,
  directory: Directory,
  today: string,
  serials: Map<string, number>,
  errors: SheetProblem[],
): ImportRow | null {
  const before = errors.length;
  const cell = (field: SheetField): Cell => cellAt(r, header.index[field]);
  const problem = (field: SheetField, message: string) => errors.push({ row: r.row, column: header.label[field] ?? headerOf(field), field, message });
  const text = (field: SheetField): string => {
    const c = cell(field);
    if (c.kind === 'error') problem(field, c.message);
    const t = cellText(c);
    // A UTF-16 CSV (or an xlsx character reference) may hold half a character: no view or export could show it.
    if (LONE_SURROGATE.test(t)) problem(field, '含有无法识别的字符（不成对的 UTF-16 代理项），请重新输入本格');
    return t;
  };

  const serialText = text('serial');
  const serial = serialText === '' ? null : serialText;
  if (serial !== null) {
    const first = serials.get(serial);
    if (first !== undefined) problem('serial', `序号「${serial}」与第 ${first} 行重复`);
    else serials.set(serial, r.row);
  }

  const title = text('title');
  if (title === '' && cell('title').kind !== 'error') problem('title', '事项不能为空');
  else if (charCount(title) > MAX_TITLE_LENGTH) {
    problem('title', `事项不能超过 ${MAX_TITLE_LENGTH} 字（现有 ${charCount(title)} 字）`);
  }

  const requirements = text('requirements');
  if (charCount(requirements) > MAX_REQUIREMENTS_LENGTH) {
    problem('requirements', `办理要求不能超过 ${MAX_REQUIREMENTS_LENGTH} 字（现有 ${charCount(requirements)} 字）`);
  }

  const unitText = text('unit');
  let unitId: string | null = null;
  if (unitText === '') {
    if (cell('unit').kind !== 'error') problem('unit', '责任单位不能为空');
  } else {
    const unit = directory.unit(unitText);
    if (unit.ok) unitId = unit.value.id;
    else problem('unit', unitMessage('责任单位', unitText, unit));
  }

  const supportUnitIds: string[] = [];
  for (const name of splitList(text('supportUnits'))) {
    const unit = directory.unit(name);
    if (!unit.ok) problem('supportUnits', unitMessage('配合单位', name, unit));
    else if (unit.value.id !== unitId && !supportUnitIds.includes(unit.value.id)) supportUnitIds.push(unit.value.id);
  }

  const cadreText = text('cadre');
  let cadreId: string | null = null;
  if (cadreText === '') {
    if (cell('cadre').kind !== 'error') problem('cadre', '责任人不能为空');
  } else {
    const cadre = directory.cadre(cadreText, unitId);
    if (cadre.ok) cadreId = cadre.value.id;
    else problem('cadre', cadreMessage('责任人', cadreText, cadre, unitId !== null));
  }

  const leaderText = text('leader');
  let leaderId: string | null = null;
  if (leaderText !== '') {
    const leader = directory.cadre(leaderText, unitId);
    if (leader.ok) leaderId = leader.value.id;
    else problem('leader', cadreMessage('责任领导', leaderText, leader, unitId !== null));
  }

  const due = readDate(cell('dueDate'));
  let dueDate: string | null = null;
  if (due.ok) {
    if (due.date < today) problem('dueDate', `完成时限 ${due.date} 早于今天（${today}）`);
    else dueDate = due.date;
  } else {
    const shown = cellText(cell('dueDate'));
    switch (due.reason) {
      case 'missing':
        problem('dueDate', '完成时限不能为空');
        break;
      case 'cell_error':
        problem('dueDate', due.message ?? '单元格为错误值');
        break;
      case 'nonexistent':
        problem('dueDate', `日期「${shown}」不存在`);
        break;
      case 'unrecognised':
        problem('dueDate', `无法识别的日期「${shown}」，请按 2026-12-31 的格式填写`);
        break;
    }
  }

  if (errors.length > before || unitId === null || cadreId === null || dueDate === null) return null;
  return { rowNumber: r.row, serial, title, requirements, unitId, supportUnitIds, cadreId, leaderId, dueDate };
}

function headerOf(field: SheetField): string {
  return SHEET_COLUMNS.find((c) => c.field === field)!.header;
}

/** 配合单位 lists: 大华镇、东峡镇 / 大华镇,东峡镇 / one per line. */
function splitList(text: string): string[] {
  return text
    .split(/[、，,；;\r\n]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function unitMessage(what: string, text: string, r: Resolution<unknown> & { ok: false }): string {
  switch (r.reason) {
    case 'dissolved':
      return `${what}「${text}」已撤销`;
    case 'ambiguous':
      return `${what}「${text}」对应 ${r.count} 个组织，请填写组织全称或编号`;
    default:
      return `未找到${what}「${text}」`;
  }
}

function cadreMessage(what: string, text: string, r: Resolution<unknown> & { ok: false }, unitKnown: boolean): string {
  switch (r.reason) {
    case 'left':
      return `${what}「${text}」已离任`;
    case 'ambiguous':
      return unitKnown
        ? `${what}「${text}」有 ${r.count} 人重名，按责任单位仍无法确定，请填写干部编号`
        : `${what}「${text}」有 ${r.count} 人重名，请填写干部编号或正确的责任单位`;
    default:
      return `未找到${what}「${text}」`;
  }
}
