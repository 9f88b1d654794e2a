import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, RefuseExtensionDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { RefuseExtensionCommand } from './refuse-extension.command';

@ApiTags('items')
@Controller('items')
export class RefuseExtensionRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/extension/refuse')
  @HttpCode(200)
  @ActRoles('RefuseExtension')
  @ApiOperation({ summary: '不予延期' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  refuseExtension(@Param('id', IdPipe) id: string, @Body() body: RefuseExtensionDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new RefuseExtensionCommand(id, body, meta));
  }
}
