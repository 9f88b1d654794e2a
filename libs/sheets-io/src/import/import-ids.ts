import { v5 as uuidv5 } from 'uuid';

/** The namespace of every id a sheet import derives; fixed forever, or re-imports stop being idempotent. */
export const SHEET_IMPORT_NAMESPACE = '6f1c2b7e-3a51-5d0e-9c84-2f7d1e0b4a93';

export interface RowImportIds {
  /** The item's id: its stream is `item-<itemId>`. */
  itemId: string;
  /** The id of the row's ItemAssigned event. */
  eventId: string;
}

export interface SheetImportIds {
  sheetId: string;
  /** SheetNumberClaimed on `sheet_number-<number>`. */
  numberClaimedEventId: string;
  /** SheetIssued on `sheet-<sheetId>`. */
  sheetIssuedEventId: string;
}

const key = (sheetNumber: string, fingerprint: string) => `${sheetNumber.trim()}\u0000${fingerprint.toLowerCase()}`;

/**
 * Ids for one row of an import, the same every time the same file (fingerprint) is imported under the
 * same sheet number: a second import appends events whose ids are already stored, which the store
 * treats as a retry and the caller skips (see the README).
 */
export function importIds(sheetNumber: string, fingerprint: string, rowNumber: number): RowImportIds {
  const base = `${key(sheetNumber, fingerprint)}\u0000row:${rowNumber}`;
  return {
    itemId: uuidv5(`${base}\u0000item`, SHEET_IMPORT_NAMESPACE),
    eventId: uuidv5(`${base}\u0000ItemAssigned`, SHEET_IMPORT_NAMESPACE),
  };
}

export function sheetImportIds(sheetNumber: string, fingerprint: string): SheetImportIds {
  const base = key(sheetNumber, fingerprint);
  return {
    sheetId: uuidv5(`${base}\u0000sheet`, SHEET_IMPORT_NAMESPACE),
    numberClaimedEventId: uuidv5(`${base}\u0000SheetNumberClaimed`, SHEET_IMPORT_NAMESPACE),
    sheetIssuedEventId: uuidv5(`${base}\u0000SheetIssued`, SHEET_IMPORT_NAMESPACE),
  };
}
