import type { Reads } from '../db/select';
import type { SheetView } from '../views';
import { SheetRow } from './sheet.entity';

function sheetView(row: SheetRow): SheetView {
  return { id: row.id, number: row.number, title: row.title, source: row.source, issuedOn: row.issuedOn };
}

/** Every assignment sheet (交办单), newest first: the county's sheets are few (tens a year). */
export async function listSheets(r: Reads): Promise<SheetView[]> {
  const rows = await r.dataSource.getRepository(SheetRow).find({ order: { issuedOn: 'DESC', number: 'ASC' } });
  return rows.map(sheetView);
}

export async function findSheet(r: Reads, id: string): Promise<SheetView | null> {
  const row = await r.dataSource.getRepository(SheetRow).findOneBy({ id });
  return row ? sheetView(row) : null;
}
