import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, ReassignItemDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { ReassignItemCommand } from './reassign-item.command';

@ApiTags('items')
@Controller('items')
export class ReassignItemRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/reassign')
  @HttpCode(200)
  @ActRoles('ReassignItem')
  @ApiOperation({ summary: '调整承办: a new handling unit and/or responsible cadre' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  reassignItem(@Param('id', IdPipe) id: string, @Body() body: ReassignItemDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new ReassignItemCommand(id, body, meta));
  }
}
