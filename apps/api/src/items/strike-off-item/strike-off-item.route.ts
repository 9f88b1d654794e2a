import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, StrikeOffItemDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { StrikeOffItemCommand } from './strike-off-item.command';

@ApiTags('items')
@Controller('items')
export class StrikeOffItemRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/strike-off')
  @HttpCode(200)
  @ActRoles('StrikeOffItem')
  @ApiOperation({ summary: '销号: verified and struck off the list' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  strikeOffItem(@Param('id', IdPipe) id: string, @Body() body: StrikeOffItemDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new StrikeOffItemCommand(id, body, meta));
  }
}
