import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReadQueryDto } from '@ledger/contracts';
import { STREAM_PREFIX, type Actor } from '@ledger/contracts/events';
import type { EventStore } from '@ledger/event-store';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { IdPipe } from '../../command-path/id.pipe';
import { EVENT_STORE } from '../../platform/tokens';
import { NotFoundProblem } from '../../problem-details/errors';
import { OutOfScopeProblem, ReadScope } from '../../queries/shared/read-scope';
import { itemFigures, type ItemFigures } from '../timeline/names-of-then';

/** An item's closed-loop figures, from its stream (like its history); a unit user only within its subtree. */
@ApiTags('items')
@Controller('items')
export class ItemFiguresRoute {
  constructor(
    private readonly scope: ReadScope,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get(':id/figures')
  @ApiOperation({
    summary:
      '事项督查统计 { assignedOn, concludedOn, daysToConclusion, returns, extensionRequests, extensions, extensionRefusals, urges, urgesByLevel, reopenings, deadlinesMissed, accountabilityDecisions }',
  })
  async figures(@Param('id', IdPipe) id: string, @Query() query: ReadQueryDto, @CurrentActor() actor: Actor): Promise<ItemFigures> {
    await this.scope.consistent(query.minPosition);
    const events = await this.store.readStream(STREAM_PREFIX.item + id);
    if (events.length === 0) throw new NotFoundProblem('ITEM_NOT_FOUND', `no item ${id}`);
    let unitId: string | null = null;
    for (const e of events) {
      const d = e.data as { unitId?: unknown };
      if ((e.type === 'ItemAssigned' || e.type === 'ItemReassigned') && typeof d.unitId === 'string') unitId = d.unitId;
    }
    if (this.scope.scopeRoot(actor) !== undefined && !(unitId && (await this.scope.unitInScope(actor, unitId)))) throw new OutOfScopeProblem(`item ${id}`);
    return itemFigures(id, events);
  }
}
