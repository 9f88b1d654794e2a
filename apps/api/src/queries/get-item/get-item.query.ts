import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Actor } from '@ledger/contracts/events';
import type { ItemView } from '@ledger/read-models';
import { NotFoundProblem } from '../../problem-details/errors';
import { OutOfScopeProblem, ReadScope } from '../shared/read-scope';

export class GetItemQuery {
  constructor(
    readonly actor: Actor,
    readonly itemId: string,
    readonly minPosition?: string,
  ) {}
}

@QueryHandler(GetItemQuery)
export class GetItemHandler implements IQueryHandler<GetItemQuery, ItemView> {
  constructor(private readonly scope: ReadScope) {}

  async execute(q: GetItemQuery): Promise<ItemView> {
    await this.scope.consistent(q.minPosition);
    const item = await this.scope.queries.item(q.itemId, this.scope.today());
    if (!item) throw new NotFoundProblem('ITEM_NOT_FOUND', `no item ${q.itemId}`);
    if (!(await this.scope.unitInScope(q.actor, item.unitId))) throw new OutOfScopeProblem(`item ${q.itemId}`);
    return item;
  }
}
