import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, GrantExtensionDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { GrantExtensionCommand } from './grant-extension.command';

@ApiTags('items')
@Controller('items')
export class GrantExtensionRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/extension/grant')
  @HttpCode(200)
  @ActRoles('GrantExtension')
  @ApiOperation({ summary: '批准延期' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  grantExtension(@Param('id', IdPipe) id: string, @Body() body: GrantExtensionDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new GrantExtensionCommand(id, body, meta));
  }
}
