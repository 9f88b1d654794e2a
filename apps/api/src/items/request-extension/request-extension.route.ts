import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, RequestExtensionDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { RequestExtensionCommand } from './request-extension.command';

@ApiTags('items')
@Controller('items')
export class RequestExtensionRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/extension/request')
  @HttpCode(200)
  @ActRoles('RequestExtension')
  @ApiOperation({ summary: '申请延期: before the due date in force' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  requestExtension(@Param('id', IdPipe) id: string, @Body() body: RequestExtensionDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new RequestExtensionCommand(id, body, meta));
  }
}
