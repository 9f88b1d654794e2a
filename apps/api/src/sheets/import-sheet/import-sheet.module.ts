import { Module } from '@nestjs/common';
import { ImportSheetHandler } from './import-sheet.command';
import { ImportSheetRoute } from './import-sheet.route';
import { SheetImporter } from './import-sheet.service';
import { SheetUploadGuard } from './upload.guard';

/** POST /sheets/import. The command loop, its facts, the store, the clock and ReadQueries come from the global platform module. */
@Module({
  controllers: [ImportSheetRoute],
  providers: [SheetImporter, ImportSheetHandler, SheetUploadGuard],
  exports: [SheetImporter],
})
export class ImportSheetModule {}
