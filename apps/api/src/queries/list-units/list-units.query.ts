import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Actor } from '@ledger/contracts/events';
import type { UnitView } from '@ledger/read-models';
import { ReadScope } from '../shared/read-scope';

/** The organisation tree; a unit user sees its own subtree. */
export class ListUnitsQuery {
  constructor(
    readonly actor: Actor,
    readonly minPosition?: string,
  ) {}
}

@QueryHandler(ListUnitsQuery)
export class ListUnitsHandler implements IQueryHandler<ListUnitsQuery, UnitView[]> {
  constructor(private readonly scope: ReadScope) {}

  async execute(q: ListUnitsQuery): Promise<UnitView[]> {
    await this.scope.consistent(q.minPosition);
    const root = this.scope.scopeRoot(q.actor);
    return root === undefined ? this.scope.queries.units() : this.scope.queries.unitsOf(root);
  }
}
