import type { ProjectedEvent } from '../projected-event';
import type { SheetRow } from './sheet.entity';

export function evolveSheet(row: SheetRow | null, e: ProjectedEvent): SheetRow | null {
  if (e.type !== 'SheetIssued') return row;
  const d = e.data;
  return { id: d.sheetId, number: d.number, title: d.title, source: d.source, issuedOn: d.issuedOn, createdAt: e.recordedAt };
}
