/**
 * How much of a file the import will read. An upload is at most 10 MB, but what it expands to is not:
 * a 10 MB CSV holds 5,000,000 lines, an 8.7 MB .xlsx 3,000,000 cells, a 200 KB zip 200 MB of XML.
 * Every reader stops at the first limit crossed, before it has kept more than the limit.
 */
export interface SheetLimits {
  /** Rows holding anything (title, header, blank-but-numbered rows included) read from one sheet. */
  fileRows: number;
  /** Non-empty cells kept from one sheet (merged areas count every cell they cover); shared strings count too. */
  cells: number;
  /** A non-empty cell right of this column (1-based) is refused: 256 is column IV. */
  columns: number;
  /** Characters in one cell (Excel's own limit is 32,767). */
  cellChars: number;
  /** Entries in the .xlsx zip. */
  archiveEntries: number;
  /** Uncompressed bytes of one zip entry, declared or inflated. */
  entryBytes: number;
  /** Uncompressed bytes of the shared strings, the one part kept in memory whole (as strings). */
  sharedStringsBytes: number;
  /** Uncompressed bytes of all zip entries together, as declared. */
  totalBytes: number;
  /** Uncompressed : compressed of an entry larger than 1 MB uncompressed (deflate reaches ~1,032 at most; XML ~5–50). */
  compressionRatio: number;
  /** Milliseconds of parsing, measured by the caller's clock (SheetImportOptions.clock); no bound without one. */
  timeMs: number;
}

export const DEFAULT_SHEET_LIMITS: Readonly<SheetLimits> = {
  fileRows: 20_000,
  cells: 300_000,
  columns: 256,
  cellChars: 32_767,
  archiveEntries: 2_000,
  entryBytes: 128 * 1024 * 1024,
  sharedStringsBytes: 32 * 1024 * 1024,
  totalBytes: 256 * 1024 * 1024,
  compressionRatio: 200,
  timeMs: 30_000,
};

/** Entries under this size may compress as well as they like (an empty sheet's styles compress 100:1). */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

export type SheetLimitName = keyof SheetLimits | 'dataRows';

/** Which limit a file crossed, for programs (the API's SHEET_TOO_LARGE `limit`, `max`). */
export interface SheetLimitBreach {
  limit: SheetLimitName;
  max: number;
}

/** Thrown by the readers; parseAssignmentSheet turns it into a refusal with its Chinese message. */
export class SheetLimitError extends Error {
  constructor(
    readonly breach: SheetLimitBreach,
    /** Chinese, for the person who sent the file. */
    readonly zh: string,
    readonly row: number | null = null,
  ) {
    super(`sheet limit ${breach.limit} (${breach.max}) exceeded: ${zh}`);
  }
}

const MB = 1024 * 1024;

export function limitError(limit: SheetLimitName, max: number, row: number | null = null): SheetLimitError {
  return new SheetLimitError({ limit, max }, limitMessage(limit, max), row);
}

function limitMessage(limit: SheetLimitName, max: number): string {
  switch (limit) {
    case 'fileRows':
    case 'dataRows':
      return `表格行数超过上限：一个工作表最多读取 ${max} 行，请拆分成几个文件分批导入`;
    case 'cells':
      return `表格内容超过上限：最多 ${max} 个有内容的单元格，请删除与交办事项无关的内容后再导入`;
    case 'columns':
      return `表格列数超过上限：最多 ${max} 列有内容，请删除多余的列后再导入`;
    case 'cellChars':
      return `单元格内容超过上限：一个单元格最多 ${max} 个字符`;
    case 'archiveEntries':
      return `文件无法读取：工作簿中的部件超过 ${max} 个，不是正常的 Excel 工作簿`;
    case 'entryBytes':
    case 'sharedStringsBytes':
    case 'totalBytes':
      return `文件无法读取：工作簿解压后超过 ${Math.round(max / MB)} MB（或与声明的大小不符），不是正常的 Excel 工作簿`;
    case 'compressionRatio':
      return `文件无法读取：工作簿的压缩比超过 ${max}:1，疑似压缩炸弹，已拒绝`;
    case 'timeMs':
      return `文件解析超时（超过 ${Math.round(max / 1000)} 秒），请精简表格后再导入`;
  }
}

/** Checks a caller-given clock every so often against the time budget. */
export class Budget {
  private readonly deadline: number | null;
  private ticks = 0;

  constructor(
    private readonly limits: SheetLimits,
    private readonly clock?: () => number,
  ) {
    this.deadline = clock ? clock() + limits.timeMs : null;
  }

  /** Cheap enough to call per cell: the clock is read every 4,096 calls. */
  tick(): void {
    if (this.deadline === null || (++this.ticks & 4095) !== 0) return;
    this.check();
  }

  check(): void {
    if (this.deadline !== null && this.clock!() > this.deadline) throw limitError('timeMs', this.limits.timeMs);
  }
}
