import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, UrgeItemDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { UrgeItemCommand } from './urge-item.command';

@ApiTags('items')
@Controller('items')
export class UrgeItemRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/urge')
  @HttpCode(200)
  @ActRoles('UrgeItem')
  @ApiOperation({ summary: '督促 (提醒 / 催办 / 督办 / 挂牌督办); independent of other writes, so a conflict is retried' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  urgeItem(@Param('id', IdPipe) id: string, @Body() body: UrgeItemDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new UrgeItemCommand(id, body, meta));
  }
}
