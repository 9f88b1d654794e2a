import { Cell, cellText, normalizeKey } from './cells';

export type SheetField = 'serial' | 'title' | 'requirements' | 'unit' | 'supportUnits' | 'cadre' | 'dueDate' | 'leader';

export interface SheetColumn {
  field: SheetField;
  /** The header our template writes; errors name the header as the file names it (see HeaderMatch.label). */
  header: string;
  /** Accepted spellings, most specific first: where a file has two of them, the earlier wins. */
  aliases: readonly string[];
  required: boolean;
}

/**
 * The 交办单 columns. 牵头单位 (lead unit) is the handling unit: where a sheet names a lead unit and
 * 配合单位 (supporting units), the lead unit answers for the item. 完成时间 and 时限 mean the due date.
 */
export const SHEET_COLUMNS: readonly SheetColumn[] = [
  { field: 'serial', header: '序号', aliases: ['序号', '编号', '序'], required: false },
  {
    field: 'title',
    header: '事项',
    aliases: ['事项', '事项名称', '交办事项', '任务', '任务名称', '工作任务', '重点任务', '工作事项'],
    required: true,
  },
  {
    field: 'requirements',
    header: '办理要求',
    aliases: ['办理要求', '工作要求', '具体要求', '任务要求', '工作措施', '具体措施', '要求'],
    required: false,
  },
  { field: 'unit', header: '责任单位', aliases: ['责任单位', '牵头单位', '承办单位', '主办单位'], required: true },
  { field: 'supportUnits', header: '配合单位', aliases: ['配合单位', '协办单位', '协同单位'], required: false },
  { field: 'cadre', header: '责任人', aliases: ['责任人', '具体责任人', '承办人', '经办人'], required: true },
  {
    field: 'dueDate',
    header: '完成时限',
    aliases: ['完成时限', '完成时间', '时限', '办结时限', '完成期限', '截止时间', '截止日期', '完成日期'],
    required: true,
  },
  {
    field: 'leader',
    header: '责任领导',
    aliases: ['责任领导', '分管领导', '牵头领导', '包联领导', '联系领导', '分管县领导'],
    required: false,
  },
];

/** 完成时限（年月日）, *事项, 责任\n单位 → 完成时限, 事项, 责任单位. */
export function normalizeHeader(text: string): string {
  return normalizeKey(text)
    .replace(/[*]/g, '')
    .replace(/\([^)]*\)$/, '')
    .replace(/【[^】]*】$/, '');
}

export interface HeaderMatch {
  /** Column index (0-based) per field found. */
  index: Partial<Record<SheetField, number>>;
  /** The header as the file names it (without decoration such as *, spaces or a trailing （年月日）). */
  label: Partial<Record<SheetField, string>>;
  /** Headers that appear twice for one field, e.g. two 责任单位 columns. */
  duplicates: { field: SheetField; label: string }[];
  matched: number;
}

export function matchHeaders(cells: readonly Cell[]): HeaderMatch {
  const normalized = cells.map((c) => normalizeHeader(cellText(c)));
  const result: HeaderMatch = { index: {}, label: {}, duplicates: [], matched: 0 };
  for (const column of SHEET_COLUMNS) {
    for (const alias of column.aliases) {
      const hits = normalized.flatMap((h, i) => (h === alias ? [i] : []));
      if (hits.length === 0) continue;
      result.index[column.field] = hits[0];
      result.label[column.field] = alias;
      result.matched++;
      if (hits.length > 1) result.duplicates.push({ field: column.field, label: alias });
      break;
    }
  }
  return result;
}

/** A row that names the item and two more columns could be the header. */
export function isHeaderRow(match: HeaderMatch): boolean {
  return match.index.title !== undefined && match.matched >= 3;
}

export const HEADER_SEARCH_ROWS = 30;

/**
 * Title rows above the table are common, and so are two-level headers (责任主体 over 责任单位 | 责任人,
 * with 序号 and 事项 merged down over both rows): the header is the row among the first 30 that
 * names the most columns, the earliest of equals. Returns its index in `rows`, or -1.
 */
export function findHeaderRow(rows: readonly { cells: readonly Cell[] }[]): number {
  let best = -1;
  let bestMatched = 0;
  rows.slice(0, HEADER_SEARCH_ROWS).forEach((r, i) => {
    const match = matchHeaders(r.cells);
    if (isHeaderRow(match) && match.matched > bestMatched) {
      best = i;
      bestMatched = match.matched;
    }
  });
  return best;
}
