import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResultDto, IssueSheetDto } from '@ledger/contracts';
import { Roles } from '../../auth/roles.decorator';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../problem-details/command-outcome';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { IssueSheetCommand } from './issue-sheet.command';

@ApiTags('sheets')
@Controller('sheets')
export class IssueSheetRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post()
  @Roles('org_dept')
  @ApiOperation({ summary: '交办单下发: issue an assignment sheet (its number is unique)' })
  @ApiCreatedResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  issueSheet(@Body() body: IssueSheetDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.bus.execute(new IssueSheetCommand(body, meta));
  }
}
