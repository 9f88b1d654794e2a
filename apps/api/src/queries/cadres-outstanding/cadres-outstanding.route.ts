import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CadresQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { CadreFiguresRow } from '@ledger/read-models';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { Exportable } from '../../exports/export.interceptor';
import { CadresOutstandingQuery } from './cadres-outstanding.query';

@ApiTags('figures')
@Controller('cadres')
export class CadresOutstandingRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get('outstanding')
  @Exportable('cadreFigures')
  @ApiOperation({ summary: '责任人统计 [{ cadreId, name, ...Figures }]' })
  cadresOutstanding(@Query() query: CadresQueryDto, @CurrentActor() actor: Actor): Promise<CadreFiguresRow[]> {
    return this.bus.execute(new CadresOutstandingQuery(actor, query));
  }
}
