import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ReadScope } from '../queries/shared/read-scope';
import { BulletinRoute } from './bulletin.route';
import { BulletinFigures } from './bulletin.service';

/** GET /api/v1/bulletins/:period (issue 19, point 4). TemporalQueries comes from the global InspectionModule. */
@Module({ imports: [AuditModule], controllers: [BulletinRoute], providers: [BulletinFigures, ReadScope], exports: [BulletinFigures] })
export class BulletinsModule {}
