import { OmitType } from '@nestjs/swagger';
import { IssueSheetDto } from './sheets';

/** The multipart fields beside `file`: POST /sheets' body without `id` (the import derives it). */
export class ImportSheetFieldsDto extends OmitType(IssueSheetDto, ['id'] as const) {}

/** Largest 交办单 file accepted, by POST /sheets/import and `ledger import-sheet` (a 10,000-row workbook is about 1–2 MB). */
export const MAX_SHEET_FILE_BYTES = 10 * 1024 * 1024;
