import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CadresQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { CadreView } from '@ledger/read-models';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { ListCadresQuery } from './list-cadres.query';

@ApiTags('cadres')
@Controller('cadres')
export class ListCadresRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @ApiOperation({ summary: '干部 cadres: [{ id, name, unitId, post }]' })
  listCadres(@Query() query: CadresQueryDto, @CurrentActor() actor: Actor): Promise<CadreView[]> {
    return this.bus.execute(new ListCadresQuery(actor, query));
  }
}
