import * as ExcelJS from 'exceljs';
import { parseCsv, sniffDelimiter } from '../csv/csv';
import { Cell, EMPTY, fromExcelValue, textCell } from './cells';
import { findHeaderRow } from './columns';
import { TextEncodingName, decodeText } from './decode';

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

export function csvGrid(bytes: Buffer): Grid {
  const { text, encoding } = decodeText(bytes);
  const records = parseCsv(text, sniffDelimiter(text));
  return { encoding, rows: records.map((r) => ({ row: r.row, cells: r.fields.map(textCell) })) };
}

/** Throws when the bytes are not a readable workbook. */
export async function xlsxGrid(bytes: Buffer): Promise<Grid> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  const sheets = workbook.worksheets.filter((ws) => ws.state === 'visible' || ws.state === undefined);
  const grids = sheets.map((ws) => ({ ws, grid: worksheetGrid(ws) }));
  // A cover or instructions sheet may come first: take the first sheet that holds the header row.
  const chosen = grids.find(({ grid }) => findHeaderRow(grid.rows) !== -1) ?? grids[0];
  return chosen ? { ...chosen.grid, worksheet: chosen.ws.name } : { rows: [] };
}

function worksheetGrid(ws: ExcelJS.Worksheet): Grid {
  const rows: GridRow[] = [];
  // Only cells that exist: a sheet formatted out to column XFD must not cost 16,384 reads per row.
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: Cell[] = [];
    row.eachCell({ includeEmpty: false }, (cell, col) => {
      cells[col - 1] = fromExcelValue(cell.value);
    });
    for (let c = 0; c < cells.length; c++) cells[c] ??= EMPTY;
    rows.push({ row: rowNumber, cells });
  });
  return { rows };
}

export function cellAt(row: GridRow, index: number | undefined): Cell {
  return index === undefined ? EMPTY : (row.cells[index] ?? EMPTY);
}
