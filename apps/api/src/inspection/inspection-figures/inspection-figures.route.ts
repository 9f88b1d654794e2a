import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@ledger/contracts/events';
import type { InspectionFigures } from '@ledger/read-models';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { Roles } from '../../auth/roles.decorator';
import { InspectionFiguresQueryDto } from './inspection-figures.dto';
import { InspectionFiguresQuery } from './inspection-figures.query';

@ApiTags('inspection')
@Controller('inspection')
export class InspectionFiguresRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get('figures')
  @Roles('inspector', 'discipline', 'org_dept', 'unit')
  @ApiOperation({
    summary:
      '督查统计 { assigned, returns, extensions, urges, concluded, daysToConclusion: { mean, median, min, max }, perConcludedItem: { returns, extensions, urges } } over from–to',
  })
  figures(@Query() query: InspectionFiguresQueryDto, @CurrentActor() actor: Actor): Promise<InspectionFigures> {
    return this.bus.execute(new InspectionFiguresQuery(actor, query));
  }
}
