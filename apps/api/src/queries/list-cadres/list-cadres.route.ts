import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CadresQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { CadreView } from '@ledger/read-models';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { Roles } from '../../auth/roles.decorator';
import { ListCadresQuery } from './list-cadres.query';

@ApiTags('cadres')
@Controller('cadres')
export class ListCadresRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  // The system administrator too, who registers and transfers cadres.
  @Roles('org_dept', 'discipline', 'inspector', 'unit', 'sysadmin')
  @ApiOperation({ summary: '干部 cadres: [{ id, name, unitId, post }]' })
  listCadres(@Query() query: CadresQueryDto, @CurrentActor() actor: Actor): Promise<CadreView[]> {
    return this.bus.execute(new ListCadresQuery(actor, query));
  }
}
