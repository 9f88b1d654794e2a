import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AsOfQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { ItemView } from '@ledger/read-models';
import type { Response } from 'express';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { IdPipe } from '../../command-path/id.pipe';
import { GetItemQuery } from './get-item.query';

@ApiTags('items')
@Controller('items')
export class GetItemRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get(':id')
  @ApiOperation({ summary: '事项 one item, with ETag: "<revision>" for If-Match on commands; asOf: as it stood then' })
  async getItem(
    @Param('id', IdPipe) id: string,
    @Query() query: AsOfQueryDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ItemView> {
    const item: ItemView = await this.bus.execute(new GetItemQuery(actor, id, query.minPosition, query.asOf));
    res.setHeader('ETag', `"${item.revision}"`);
    return item;
  }
}
