import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Actor } from '@ledger/contracts/events';
import type { ItemView } from '@ledger/read-models';
import { NotFoundProblem } from '../../problem-details/errors';
import { OutOfScopeProblem, ReadScope } from '../shared/read-scope';
import { AsOfCuts } from '../../inspection/as-of/as-of';

export class GetItemQuery {
  constructor(
    readonly actor: Actor,
    readonly itemId: string,
    readonly minPosition?: string,
    readonly asOf?: string,
  ) {}
}

@QueryHandler(GetItemQuery)
export class GetItemHandler implements IQueryHandler<GetItemQuery, ItemView> {
  constructor(
    private readonly scope: ReadScope,
    private readonly cuts: AsOfCuts,
  ) {}

  async execute(q: GetItemQuery): Promise<ItemView> {
    await this.scope.consistent(q.minPosition);
    const cut = await this.cuts.cut(q.asOf);
    // As of a past instant: the version in force then; a unit user's scope is its subtree as it is now.
    const item = cut ? await this.cuts.temporal.item(q.itemId, cut) : await this.scope.queries.item(q.itemId, this.scope.today());
    if (!item) throw new NotFoundProblem('ITEM_NOT_FOUND', cut ? `no item ${q.itemId} as of ${q.asOf}` : `no item ${q.itemId}`);
    if (!(await this.scope.unitInScope(q.actor, item.unitId))) throw new OutOfScopeProblem(`item ${q.itemId}`);
    return item;
  }
}
