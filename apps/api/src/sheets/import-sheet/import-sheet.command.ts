import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandMeta } from '../../command-path/command-meta';
import { SheetImporter, type SheetImportAnswer, type SheetImportFields } from '@ledger/application';

/** 交办单导入: a sheet and all its items from one workbook or CSV (see SheetImporter). */
export class ImportSheetCommand {
  constructor(
    readonly file: Buffer,
    readonly fields: SheetImportFields,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ImportSheetCommand)
export class ImportSheetHandler implements ICommandHandler<ImportSheetCommand, SheetImportAnswer> {
  constructor(private readonly importer: SheetImporter) {}

  execute({ file, fields, meta }: ImportSheetCommand): Promise<SheetImportAnswer> {
    return this.importer.import(file, fields, meta);
  }
}
