import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, ReportCompletionDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { ReportCompletionCommand } from './report-completion.command';

@ApiTags('items')
@Controller('items')
export class ReportCompletionRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/complete')
  @HttpCode(200)
  @ActRoles('ReportCompletion')
  @ApiOperation({ summary: '办结反馈: the unit reports completion ("ticks it off")' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  reportCompletion(@Param('id', IdPipe) id: string, @Body() body: ReportCompletionDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new ReportCompletionCommand(id, body, meta));
  }
}
