import { Module } from '@nestjs/common';
import type { Clock } from '@ledger/platform';
import { ReadQueries, TemporalQueries } from '@ledger/read-models';
import { BulletinFigures } from '@ledger/read-models/bulletins/figures';
import { AuditModule } from '../audit/audit.module';
import { CLOCK } from '../platform/tokens';
import { ReadScope } from '../queries/shared/read-scope';
import { BulletinRoute } from './bulletin.route';

/** GET /api/v1/bulletins/:period (issue 19, point 4). TemporalQueries comes from the global InspectionModule. */
@Module({
  imports: [AuditModule],
  controllers: [BulletinRoute],
  providers: [
    {
      provide: BulletinFigures,
      useFactory: (temporal: TemporalQueries, queries: ReadQueries, clock: Clock) => new BulletinFigures(temporal, queries, clock),
      inject: [TemporalQueries, ReadQueries, CLOCK],
    },
    ReadScope,
  ],
  exports: [BulletinFigures],
})
export class BulletinsModule {}
