import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { UnitOutstandingQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { Figures } from '@ledger/read-models';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { IdPipe } from '../../command-path/id.pipe';
import { UnitOutstandingQuery } from './unit-outstanding.query';

@ApiTags('figures')
@Controller('units')
export class UnitOutstandingRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get(':id/outstanding')
  @ApiOperation({ summary: '单位统计 Figures for the unit (rolled up over its subtree unless subtree=false)' })
  unitOutstanding(@Param('id', IdPipe) id: string, @Query() query: UnitOutstandingQueryDto, @CurrentActor() actor: Actor): Promise<Figures> {
    return this.bus.execute(new UnitOutstandingQuery(actor, id, query.subtree ?? true, query.minPosition, query.asOf));
  }
}
