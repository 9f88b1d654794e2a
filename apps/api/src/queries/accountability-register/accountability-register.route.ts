import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccountabilityRegisterQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { AccountabilityEntry } from '@ledger/read-models';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { Exportable } from '../../exports/export.interceptor';
import { AccountabilityRegisterQuery } from './accountability-register.query';

@ApiTags('accountability')
@Controller('accountability')
export class AccountabilityRegisterRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Exportable('accountability')
  @ApiOperation({ summary: '问责台账 the register: [{ itemId, decisionId, target, form, dispositionForm, decidedBy, decidedOn, documentNo, revoked }]' })
  register(@Query() query: AccountabilityRegisterQueryDto, @CurrentActor() actor: Actor): Promise<AccountabilityEntry[]> {
    return this.bus.execute(new AccountabilityRegisterQuery(actor, query));
  }
}
