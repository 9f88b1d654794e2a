import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, ReopenItemDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { ReopenItemCommand } from './reopen-item.command';

@ApiTags('items')
@Controller('items')
export class ReopenItemRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/reopen')
  @HttpCode(200)
  @ActRoles('ReopenItem')
  @ApiOperation({ summary: '重新挂账: a concluded or struck-off item goes back on the list' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  reopenItem(@Param('id', IdPipe) id: string, @Body() body: ReopenItemDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new ReopenItemCommand(id, body, meta));
  }
}
