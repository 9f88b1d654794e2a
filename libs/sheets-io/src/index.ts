/** 交办单 import (file bytes in, rows or problems out) and the ledger's exports (rows in, file bytes out). */
export { parseAssignmentSheet, sheetFingerprint, DEFAULT_MAX_ROWS, MAX_TITLE_LENGTH, MAX_REQUIREMENTS_LENGTH } from './import/parse-assignment-sheet';
export type { SheetLookup, SheetImportOptions, SheetProblem, ImportRow, SheetImportResult, SheetFormat } from './import/types';
export { DEFAULT_SHEET_LIMITS } from './import/limits';
export type { SheetLimits, SheetLimitBreach, SheetLimitName } from './import/limits';
export { SHEET_COLUMNS } from './import/columns';
export type { SheetField, SheetColumn } from './import/columns';
export { importIds, sheetImportIds, SHEET_IMPORT_NAMESPACE } from './import/import-ids';
export type { RowImportIds, SheetImportIds } from './import/import-ids';
export { decodeText } from './import/decode';
export { parseCsv, writeCsv } from './csv/csv';
export { exportItems, exportUnitFigures, exportCadreFigures, exportAccountabilityRegister } from './export/exports';
export type {
  ItemExportRow,
  FiguresExportFields,
  UnitFiguresExportRow,
  CadreFiguresExportRow,
  AccountabilityExportRow,
  ExportNames,
  ExportOptions,
} from './export/exports';
export { CONTENT_TYPES, contentDisposition } from './export/table';
export { exportAccessAudit } from './export/access-audit';
export type { AccessAuditExportRow } from './export/access-audit';
export type { ExportFile, ExportFormat } from './export/table';
export {
  chineseLabel,
  STATUS_LABELS,
  LIGHT_LABELS,
  URGE_LEVEL_LABELS,
  ACCOUNTABILITY_FORM_LABELS,
  TARGET_KIND_LABELS,
  DISPOSITION_FORM_LABELS,
} from './labels';
export type { Light } from './labels';
export {
  parseBulletinPeriod,
  bulletinPeriodProblem,
  periodText,
  BULLETIN_PERIOD_RULE,
  rankTownships,
  percentText,
  bulletinTitle,
  countyTimeText,
  closedOf,
  BULLETIN_CONTENT_TYPES,
} from './bulletin/bulletin';
export type { BulletinData, BulletinPeriod, BulletinOverdueItem, BulletinReturn, BulletinDecision, BulletinFormat } from './bulletin/bulletin';
export { renderBulletin, renderBulletinDocx, renderBulletinXlsx, bulletinSections } from './bulletin/render';
export type { BulletinFile, PrintedLogProof } from './bulletin/render';
