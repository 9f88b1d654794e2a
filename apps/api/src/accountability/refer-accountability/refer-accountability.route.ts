import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, ReferAccountabilityDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { ReferAccountabilityCommand } from './refer-accountability.command';

@ApiTags('accountability')
@Controller('items')
export class ReferAccountabilityRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/accountability/refer')
  @HttpCode(200)
  @ActRoles('ReferAccountability')
  @ApiOperation({ summary: '移送问责: refer a cadre or unit to the discipline commission or the organisation department' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  referAccountability(@Param('id', IdPipe) id: string, @Body() body: ReferAccountabilityDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new ReferAccountabilityCommand(id, body, meta));
  }
}
