import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReadQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { Figures } from '@ledger/read-models';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { IdPipe } from '../../command-path/id.pipe';
import { CadreOutstandingQuery } from './cadre-outstanding.query';

@ApiTags('figures')
@Controller('cadres')
export class CadreOutstandingRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get(':id/outstanding')
  @ApiOperation({ summary: '责任人统计 Figures for the items whose responsible cadre this is' })
  cadreOutstanding(@Param('id', IdPipe) id: string, @Query() query: ReadQueryDto, @CurrentActor() actor: Actor): Promise<Figures> {
    return this.bus.execute(new CadreOutstandingQuery(actor, id, query.minPosition));
  }
}
