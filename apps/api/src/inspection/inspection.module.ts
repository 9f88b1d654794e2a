import { Global, Module } from '@nestjs/common';
import { ReadQueries, TemporalQueries } from '@ledger/read-models';
import { LEDGER_CONFIG } from '../platform/tokens';
import { ReadScope } from '../queries/shared/read-scope';
import { AsOfCuts, temporalQueriesFactory } from './as-of/as-of';
import { InspectionFiguresRoute } from './inspection-figures/inspection-figures.route';
import { InspectionFiguresHandler } from './inspection-figures/inspection-figures.query';
import { ItemFiguresRoute } from './item-figures/item-figures.route';

/**
 * The inspectors' reads (issue 5): the temporal queries behind `asOf` (global: the query routes use
 * them), `GET /inspection/figures` and `GET /items/:id/figures`.
 */
@Global()
@Module({
  controllers: [InspectionFiguresRoute, ItemFiguresRoute],
  providers: [
    { provide: TemporalQueries, useFactory: temporalQueriesFactory, inject: [ReadQueries, LEDGER_CONFIG] },
    AsOfCuts,
    ReadScope,
    InspectionFiguresHandler,
  ],
  exports: [TemporalQueries, AsOfCuts],
})
export class InspectionModule {}
