import { scanCsv, sniffDelimiter } from '../csv/csv';
import { Cell, EMPTY, textCell } from './cells';
import { TextEncodingName, decodeText } from './decode';
import { Budget, SheetLimits, limitError } from './limits';

export interface GridRow {
  /** As the spreadsheet shows it: 1-based, counting title and header rows. */
  row: number;
  cells: Cell[];
}

export interface Grid {
  rows: GridRow[];
  encoding?: TextEncodingName;
  worksheet?: string;
}

/**
 * The records of a CSV that hold anything (blank lines, ",,,," included, cost nothing however many),
 * stopping at the limits: 5,000,000 lines become at most `fileRows` rows, not 5,000,000 arrays.
 * The text itself is at most the upload's size.
 */
export function csvGrid(bytes: Buffer, limits: SheetLimits, budget: Budget): Grid {
  const { text, encoding } = decodeText(bytes);
  const rows: GridRow[] = [];
  let cells = 0;
  scanCsv(text, sniffDelimiter(text), {
    fields: limits.columns,
    fieldChars: limits.cellChars,
    onLimit: (limit, row) => limitError(limit === 'fields' ? 'columns' : 'cellChars', limit === 'fields' ? limits.columns : limits.cellChars, row),
    tick: () => budget.tick(),
    keep: (record) => {
      let filled = 0;
      for (const f of record.fields) if (f.trim() !== '') filled++;
      if (filled === 0) return;
      if (rows.length >= limits.fileRows) throw limitError('fileRows', limits.fileRows, record.row);
      cells += filled;
      if (cells > limits.cells) throw limitError('cells', limits.cells, record.row);
      rows.push({ row: record.row, cells: record.fields.map(textCell) });
    },
  });
  return { encoding, rows };
}

export function cellAt(row: GridRow, index: number | undefined): Cell {
  return index === undefined ? EMPTY : (row.cells[index] ?? EMPTY);
}
