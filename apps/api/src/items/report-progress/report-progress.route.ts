import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, ReportProgressDto } from '@ledger/contracts';
import { ActRoles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { ReportProgressCommand } from './report-progress.command';

@ApiTags('items')
@Controller('items')
export class ReportProgressRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/progress')
  @HttpCode(200)
  @ActRoles('ReportProgress')
  @ApiOperation({ summary: '进展报告: a note and evidence; independent of other writes, so a conflict is retried' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the item revision the client saw, e.g. "3"; stale → 412' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  reportProgress(@Param('id', IdPipe) id: string, @Body() body: ReportProgressDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new ReportProgressCommand(id, body, meta));
  }
}
