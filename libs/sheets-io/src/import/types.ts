import type { SheetField } from './columns';
import type { SheetLimitBreach, SheetLimits } from './limits';

/** What the caller knows about the organisation, as the read models answer it (API.md /units, /cadres). */
export interface SheetLookup {
  units: readonly { id: string; name: string; dissolved: boolean }[];
  cadres: readonly { id: string; name: string; unitId: string; left?: boolean }[];
  /** County-local today, YYYY-MM-DD: a due date before it is refused. */
  today: string;
}

export interface SheetImportOptions {
  /** Data rows allowed in one file (default 10,000). */
  maxRows?: number;
  /** How much of the file is read (DEFAULT_SHEET_LIMITS otherwise). */
  limits?: Partial<SheetLimits>;
  /** A monotonic clock in ms (e.g. performance.now) for the time budget `limits.timeMs`; without it, no time budget. */
  clock?: () => number;
}

/** One problem: `row` as the spreadsheet shows it (1-based, header and title rows counted), `column` the header as the file names it. */
export interface SheetProblem {
  /** null for a problem with the whole file (unreadable, no header row, nothing to import). */
  row: number | null;
  /** null for a problem with the whole row or file. */
  column: string | null;
  /** Chinese, for the person who fixes the sheet. */
  message: string;
  /** The stable name of the column (`title`, `unit`, `dueDate`, …) for programs. */
  field?: SheetField;
}

/** A row ready to become an ItemAssigned (payload names as in libs/contracts ItemAssigned). */
export interface ImportRow {
  rowNumber: number;
  /** 序号 as written, or null where the sheet has no 序号 column or leaves it empty. */
  serial: string | null;
  title: string;
  /** '' when the sheet gives none. */
  requirements: string;
  unitId: string;
  supportUnitIds: string[];
  cadreId: string;
  leaderId: string | null;
  dueDate: string;
}

export type SheetFormat = 'xlsx' | 'csv';

interface ImportResultBase {
  /** SHA-256 of the file bytes, hex: with the sheet number it keys the import's ids (see importIds). */
  fingerprint: string;
  format: SheetFormat | null;
  /** The text encoding a CSV was read in. */
  encoding?: string;
}

export type SheetImportResult =
  | (ImportResultBase & { ok: true; rows: ImportRow[] })
  | (ImportResultBase & {
      ok: false;
      errors: SheetProblem[];
      /** Set when the file is refused for its size (rows, cells, columns, the length of a cell, the archive, time), not its content. */
      tooLarge?: SheetLimitBreach;
    });
