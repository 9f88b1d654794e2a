import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, TransferCadreDto } from '@ledger/contracts';
import { Roles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { IdPipe } from '../../command-path/id.pipe';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { TransferCadreCommand } from './transfer-cadre.command';

@ApiTags('cadres')
@Controller('cadres')
export class TransferCadreRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post(':id/transfer')
  @HttpCode(200)
  @Roles('sysadmin', 'org_dept') // and admin tokens, acting as sysadmin
  @ApiOperation({ summary: '干部调动: transfer a cadre to another unit or post' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  transferCadre(@Param('id', IdPipe) id: string, @Body() body: TransferCadreDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new TransferCadreCommand(id, body, meta));
  }
}
