import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReadQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { IdPipe } from '../../command-path/id.pipe';
import { ItemHistoryQuery, type HistoryEntry } from './item-history.query';

@ApiTags('items')
@Controller('items')
export class ItemHistoryRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get(':id/history')
  @ApiOperation({
    summary: '履历 the item timeline: [{ type, data, actor, recordedAt, revision, position, label, names }], oldest first; names as they were then',
  })
  itemHistory(@Param('id', IdPipe) id: string, @Query() query: ReadQueryDto, @CurrentActor() actor: Actor): Promise<HistoryEntry[]> {
    return this.bus.execute(new ItemHistoryQuery(actor, id, query.minPosition));
  }
}
