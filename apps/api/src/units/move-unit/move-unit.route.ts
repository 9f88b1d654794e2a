import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, MoveUnitDto } from '@ledger/contracts';
import { Roles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { MoveUnitCommand } from './move-unit.command';

@ApiTags('units')
@Controller('units')
export class MoveUnitRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/move')
  @HttpCode(200)
  @Roles('sysadmin', 'org_dept') // and admin tokens, acting as sysadmin
  @ApiOperation({ summary: '隶属关系调整: move a unit under another parent' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  moveUnit(@Param('id', IdPipe) id: string, @Body() body: MoveUnitDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new MoveUnitCommand(id, body, meta));
  }
}
