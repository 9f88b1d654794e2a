import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, RegisterUnitDto } from '@ledger/contracts';
import { Roles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { RegisterUnitCommand } from './register-unit.command';

@ApiTags('units')
@Controller('units')
export class RegisterUnitRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('sysadmin', 'org_dept') // and admin tokens, acting as sysadmin
  @ApiOperation({ summary: '组织设立: register an organisation unit' })
  @ApiCreatedResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  registerUnit(@Body() body: RegisterUnitDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new RegisterUnitCommand(body, meta));
  }
}
