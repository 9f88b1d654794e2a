import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, DissolveUnitDto } from '@ledger/contracts';
import { Roles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { DissolveUnitCommand } from './dissolve-unit.command';

@ApiTags('units')
@Controller('units')
export class DissolveUnitRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/dissolve')
  @HttpCode(200)
  @Roles('sysadmin', 'org_dept') // and admin tokens, acting as sysadmin
  @ApiOperation({ summary: '组织撤销: dissolve a unit' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  dissolveUnit(@Param('id', IdPipe) id: string, @Body() body: DissolveUnitDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new DissolveUnitCommand(id, body, meta));
  }
}
