import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, ConcludeItemDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { ConcludeItemCommand } from './conclude-item.command';

@ApiTags('items')
@Controller('items')
export class ConcludeItemRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/conclude')
  @HttpCode(200)
  @ActRoles('ConcludeItem')
  @ApiOperation({ summary: '办结: a reviewer accepts the reported result' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  concludeItem(@Param('id', IdPipe) id: string, @Body() body: ConcludeItemDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new ConcludeItemCommand(id, body, meta));
  }
}
