import { get, type ItemPage, type SheetView } from './api';

/**
 * The sheets to filter by. API.md has no `GET /sheets` yet: use it when the server has it, else the
 * sheet ids found on items (proposed in the issue note).
 */
export async function loadSheets(): Promise<SheetView[]> {
  try {
    const sheets = await get<SheetView[] | { items: SheetView[] }>('/sheets');
    return Array.isArray(sheets) ? sheets : sheets.items;
  } catch {
    const page = await get<ItemPage>('/items', { pageSize: 200, sort: '-updatedAt' }).catch(() => null);
    const ids = [...new Set((page?.items ?? []).map((i) => i.sheetId))];
    return ids.map((id) => ({ id }));
  }
}

export function sheetLabel(s: SheetView): string {
  if (s.number && s.title) return `${s.number} ${s.title}`;
  return s.title ?? s.number ?? s.id;
}
