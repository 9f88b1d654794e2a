import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { ListItemsQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { ItemPage } from '@ledger/read-models';
import { ReadScope } from '../shared/read-scope';
import { AsOfCuts } from '../../inspection/as-of/as-of';

/** Items filtered, sorted and paged; a unit user's list never leaves its subtree. */
export class ListItemsQuery {
  constructor(
    readonly actor: Actor,
    readonly filter: ListItemsQueryDto,
  ) {}
}

@QueryHandler(ListItemsQuery)
export class ListItemsHandler implements IQueryHandler<ListItemsQuery, ItemPage> {
  constructor(
    private readonly scope: ReadScope,
    private readonly cuts: AsOfCuts,
  ) {}

  async execute({ actor, filter }: ListItemsQuery): Promise<ItemPage> {
    await this.scope.consistent(filter.minPosition);
    const { minPosition: _, asOf, ...rest } = filter;
    const cut = await this.cuts.instant(asOf);
    if (cut) {
      // The tree of that day for unitId/subtree; a unit user's scope is its subtree as it is now.
      return this.cuts.temporal.listItems({ ...rest, scopeRootUnitId: this.scope.scopeRoot(actor) }, cut);
    }
    return this.scope.queries.listItems({ ...rest, scopeRootUnitId: this.scope.scopeRoot(actor) }, this.scope.today());
  }
}
