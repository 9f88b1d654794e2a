import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReadQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { UnitView } from '@ledger/read-models';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { Roles } from '../../auth/roles.decorator';
import { ListUnitsQuery } from './list-units.query';

@ApiTags('units')
@Controller('units')
export class ListUnitsRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  // The administrators too: the system administrator manages the tree, the security one binds unit roles to it.
  @Roles('org_dept', 'discipline', 'inspector', 'unit', 'sysadmin', 'secadmin')
  @ApiOperation({ summary: '组织树 the unit tree: [{ id, name, kind, parentId, path, dissolved }]' })
  listUnits(@Query() query: ReadQueryDto, @CurrentActor() actor: Actor): Promise<UnitView[]> {
    return this.bus.execute(new ListUnitsQuery(actor, query.minPosition));
  }
}
