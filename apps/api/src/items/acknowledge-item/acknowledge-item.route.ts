import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, AcknowledgeItemDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { AcknowledgeItemCommand } from './acknowledge-item.command';

@ApiTags('items')
@Controller('items')
export class AcknowledgeItemRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/acknowledge')
  @HttpCode(200)
  @ActRoles('AcknowledgeItem')
  @ApiOperation({ summary: '签收 acknowledge: the handling unit takes the item on' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  acknowledgeItem(@Param('id', IdPipe) id: string, @Body() body: AcknowledgeItemDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new AcknowledgeItemCommand(id, body, meta));
  }
}
