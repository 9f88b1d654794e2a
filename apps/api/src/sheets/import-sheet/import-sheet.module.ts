import { Module } from '@nestjs/common';
import { CommandLoop, Facts, SheetImporter } from '@ledger/application';
import type { EventStore } from '@ledger/event-store';
import { ReadQueries } from '@ledger/read-models';
import { EVENT_STORE } from '../../platform/tokens';
import { answer } from '../../problem-details/command-outcome';
import { ImportSheetHandler } from './import-sheet.command';
import { ImportSheetRoute } from './import-sheet.route';
import { SheetUploadGuard } from './upload.guard';

/** POST /sheets/import. The command loop, its facts, the store and ReadQueries come from the global platform module. */
@Module({
  controllers: [ImportSheetRoute],
  providers: [
    // The import of @ledger/application, its refusals answered as the API's problems.
    {
      provide: SheetImporter,
      useFactory: (store: EventStore, queries: ReadQueries, loop: CommandLoop, facts: Facts) => new SheetImporter(store, queries, loop, facts, answer),
      inject: [EVENT_STORE, ReadQueries, CommandLoop, Facts],
    },
    ImportSheetHandler,
    SheetUploadGuard,
  ],
  exports: [SheetImporter],
})
export class ImportSheetModule {}
