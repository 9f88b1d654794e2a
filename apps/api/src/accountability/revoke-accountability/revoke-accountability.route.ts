import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, RevokeAccountabilityDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { RevokeAccountabilityCommand } from './revoke-accountability.command';

@ApiTags('accountability')
@Controller('items')
export class RevokeAccountabilityRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/accountability/:decisionId/revoke')
  @HttpCode(200)
  @ActRoles('RevokeAccountability')
  @ApiOperation({ summary: '撤销问责: after an appeal' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  revokeAccountability(
    @Param('id', IdPipe) id: string,
    @Param('decisionId', IdPipe) decisionId: string,
    @Body() body: RevokeAccountabilityDto,
    @Meta() meta: CommandMeta,
  ): Promise<CommandResult> {
    return this.bus.execute(new RevokeAccountabilityCommand(id, decisionId, body, meta));
  }
}
