import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, WithdrawItemDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { WithdrawItemCommand } from './withdraw-item.command';

@ApiTags('items')
@Controller('items')
export class WithdrawItemRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/withdraw')
  @HttpCode(200)
  @ActRoles('WithdrawItem')
  @ApiOperation({ summary: '撤销: the issuer withdraws the item (terminal)' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  withdrawItem(@Param('id', IdPipe) id: string, @Body() body: WithdrawItemDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new WithdrawItemCommand(id, body, meta));
  }
}
