import { Module, type DynamicModule } from '@nestjs/common';
import type { LedgerConfig } from '@ledger/platform';
import { starRatingRules } from '@ledger/read-models/star-rating';
import type { DataSource } from 'typeorm';
import { STAR_RATING_DS, STAR_RATING_RULES, StarRatingRoute } from './star-rating.route';

/** GET /api/v1/star-rating; rules from LEDGER_STAR_RATING over the defaults (a bad value stops the app). */
@Module({})
export class StarRatingModule {
  static forRoot(deps: { readModels: DataSource; config: LedgerConfig }): DynamicModule {
    return {
      module: StarRatingModule,
      controllers: [StarRatingRoute],
      providers: [
        { provide: STAR_RATING_DS, useValue: deps.readModels },
        { provide: STAR_RATING_RULES, useValue: starRatingRules(deps.config.starRating) },
      ],
    };
  }
}
