import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { CadresQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { CadreView } from '@ledger/read-models';
import { ReadScope } from '../shared/read-scope';

/** Serving cadres of a unit (and its subtree by default); a unit user only within its own subtree. */
export class ListCadresQuery {
  constructor(
    readonly actor: Actor,
    readonly filter: CadresQueryDto,
  ) {}
}

@QueryHandler(ListCadresQuery)
export class ListCadresHandler implements IQueryHandler<ListCadresQuery, CadreView[]> {
  constructor(private readonly scope: ReadScope) {}

  async execute({ actor, filter }: ListCadresQuery): Promise<CadreView[]> {
    await this.scope.consistent(filter.minPosition);
    if (filter.unitId) await this.scope.requireUnit(actor, filter.unitId);
    const unitId = filter.unitId ?? this.scope.scopeRoot(actor);
    return this.scope.queries.cadres({ unitId, subtree: filter.unitId ? (filter.subtree ?? true) : true });
  }
}
