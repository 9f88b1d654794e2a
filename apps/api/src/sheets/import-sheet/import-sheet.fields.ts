import { OmitType } from '@nestjs/swagger';
import { IssueSheetDto } from '@ledger/contracts';

/** The multipart fields beside `file`: POST /sheets' body without `id` (the import derives it). */
export class ImportSheetFieldsDto extends OmitType(IssueSheetDto, ['id'] as const) {}
