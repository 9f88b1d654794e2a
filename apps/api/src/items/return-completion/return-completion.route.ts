import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, ReturnItemDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { ReturnCompletionCommand } from './return-completion.command';

@ApiTags('items')
@Controller('items')
export class ReturnCompletionRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/return')
  @HttpCode(200)
  @ActRoles('ReturnCompletion')
  @ApiOperation({ summary: '退回: a reviewer sends a reported result back' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  returnCompletion(@Param('id', IdPipe) id: string, @Body() body: ReturnItemDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new ReturnCompletionCommand(id, body, meta));
  }
}
