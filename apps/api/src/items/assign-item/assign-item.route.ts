import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, AssignItemDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { AssignItemCommand } from './assign-item.command';

@ApiTags('items')
@Controller('items')
export class AssignItemRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @ActRoles('AssignItem')
  @ApiOperation({ summary: '交办: assign a checklist item to a handling unit and responsible cadre' })
  @ApiCreatedResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  assignItem(@Body() body: AssignItemDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new AssignItemCommand(body, meta));
  }
}
