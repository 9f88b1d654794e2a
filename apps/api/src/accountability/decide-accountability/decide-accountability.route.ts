import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, DecideAccountabilityDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { DecideAccountabilityCommand } from './decide-accountability.command';

@ApiTags('accountability')
@Controller('items')
export class DecideAccountabilityRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/accountability/decide')
  @HttpCode(200)
  @ActRoles('DecideAccountability')
  @ApiOperation({ summary: '问责决定: records a decision taken by the deciding body (the ledger never decides by itself); answers the decision id' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  decideAccountability(@Param('id', IdPipe) id: string, @Body() body: DecideAccountabilityDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new DecideAccountabilityCommand(id, body, meta));
  }
}
