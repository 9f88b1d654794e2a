import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ListItemsQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { ItemPage } from '@ledger/read-models';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { Exportable } from '../../exports/export.interceptor';
import { ListItemsQuery } from './list-items.query';

@ApiTags('items')
@Controller('items')
export class ListItemsRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @Exportable('items')
  @ApiOperation({ summary: '事项清单 items: { items, total, page, pageSize }' })
  listItems(@Query() query: ListItemsQueryDto, @CurrentActor() actor: Actor): Promise<ItemPage> {
    return this.bus.execute(new ListItemsQuery(actor, query));
  }
}
