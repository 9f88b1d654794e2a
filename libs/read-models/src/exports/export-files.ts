import type { ReadQueries } from '../queries';
import type { AccountabilityEntry, CadreFiguresRow, ItemView, UnitFiguresRow } from '../views';
import { exportAccountabilityRegister, exportCadreFigures, exportItems, exportUnitFigures, type ExportFile, type ExportFormat } from '@ledger/sheets-io';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['xlsx', 'csv'];

/** The lists a query route can answer as a file (API.md: format=xlsx|csv). */
export type ExportKind = 'items' | 'unitFigures' | 'cadreFigures' | 'accountability';

export interface ExportRows {
  items: readonly ItemView[];
  unitFigures: readonly UnitFiguresRow[];
  cadreFigures: readonly CadreFiguresRow[];
  accountability: readonly AccountabilityEntry[];
}

/** Most rows one export carries: a list that long is a filter to narrow, not a file to open. */
export const MAX_EXPORT_ROWS = 50_000;

/**
 * Rows as the query answered them → a workbook or CSV with Chinese headers, ids replaced by names
 * (units, cadres, sheet numbers, item titles) from the read models. Used by the query routes and the CLI.
 * Not in the package's index: the projector never loads the workbook writer.
 */
export async function exportFile<K extends ExportKind>(
  kind: K,
  rows: ExportRows[K],
  format: ExportFormat,
  queries: ReadQueries,
  today: string,
): Promise<ExportFile> {
  switch (kind) {
    case 'items': {
      const items = rows as ExportRows['items'];
      const [units, cadres, sheets] = await Promise.all([
        queries.units(),
        queries.cadres({ includeLeft: true }),
        Promise.all([...new Set(items.map((i) => i.sheetId))].map((id) => queries.sheet(id))),
      ]);
      return exportItems(items, { units, cadres, sheets: sheets.filter((s) => s !== null) }, { format });
    }
    case 'unitFigures':
      return exportUnitFigures(rows as ExportRows['unitFigures'], { format });
    case 'cadreFigures':
      return exportCadreFigures(
        rows as ExportRows['cadreFigures'],
        { cadres: await queries.cadres({ includeLeft: true }), units: await queries.units() },
        { format },
      );
    case 'accountability': {
      const entries = rows as ExportRows['accountability'];
      const [units, cadres, items] = await Promise.all([
        queries.units(),
        queries.cadres({ includeLeft: true }),
        Promise.all([...new Set(entries.map((e) => e.itemId))].map((id) => queries.item(id, today))),
      ]);
      return exportAccountabilityRegister(entries, { units, cadres, items: items.filter((i) => i !== null) }, { format });
    }
    default:
      throw new Error(`unknown export ${String(kind)}`);
  }
}
