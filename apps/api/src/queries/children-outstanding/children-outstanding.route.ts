import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AsOfQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { UnitFiguresRow } from '@ledger/read-models';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { Exportable } from '../../exports/export.interceptor';
import { IdPipe } from '../../command-path/id.pipe';
import { ChildrenOutstandingQuery } from './children-outstanding.query';

@ApiTags('figures')
@Controller('units')
export class ChildrenOutstandingRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get(':id/children/outstanding')
  @Exportable('unitFigures')
  @ApiOperation({ summary: '下级统计 [{ unitId, name, ...Figures }], one row per child, rolled up over its subtree' })
  childrenOutstanding(@Param('id', IdPipe) id: string, @Query() query: AsOfQueryDto, @CurrentActor() actor: Actor): Promise<UnitFiguresRow[]> {
    return this.bus.execute(new ChildrenOutstandingQuery(actor, id, query.minPosition, query.asOf));
  }
}
