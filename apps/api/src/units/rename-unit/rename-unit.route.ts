import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, RenameUnitDto } from '@ledger/contracts';
import { Roles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { RenameUnitCommand } from './rename-unit.command';

@ApiTags('units')
@Controller('units')
export class RenameUnitRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/rename')
  @HttpCode(200)
  @Roles('sysadmin', 'org_dept') // and admin tokens, acting as sysadmin
  @ApiOperation({ summary: '组织更名: rename a unit' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  renameUnit(@Param('id', IdPipe) id: string, @Body() body: RenameUnitDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new RenameUnitCommand(id, body, meta));
  }
}
