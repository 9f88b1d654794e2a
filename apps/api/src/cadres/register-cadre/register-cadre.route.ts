import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, RegisterCadreDto } from '@ledger/contracts';
import { Roles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { RegisterCadreCommand } from './register-cadre.command';

@ApiTags('cadres')
@Controller('cadres')
export class RegisterCadreRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('sysadmin', 'org_dept') // and admin tokens, acting as sysadmin
  @ApiOperation({ summary: '干部登记: register a cadre in a unit' })
  @ApiCreatedResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  registerCadre(@Body() body: RegisterCadreDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new RegisterCadreCommand(body, meta));
  }
}
