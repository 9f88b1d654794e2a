import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { CadresQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { CadreFiguresRow } from '@ledger/read-models';
import { ReadScope } from '../shared/read-scope';

/** One row of figures per cadre of the units chosen (a unit user: within its subtree). */
export class CadresOutstandingQuery {
  constructor(
    readonly actor: Actor,
    readonly filter: CadresQueryDto,
  ) {}
}

@QueryHandler(CadresOutstandingQuery)
export class CadresOutstandingHandler implements IQueryHandler<CadresOutstandingQuery, CadreFiguresRow[]> {
  constructor(private readonly scope: ReadScope) {}

  async execute({ actor, filter }: CadresOutstandingQuery): Promise<CadreFiguresRow[]> {
    await this.scope.consistent(filter.minPosition);
    if (filter.unitId) await this.scope.requireUnit(actor, filter.unitId);
    const unitId = filter.unitId ?? this.scope.scopeRoot(actor);
    const subtree = filter.unitId ? (filter.subtree ?? true) : true;
    return this.scope.queries.cadresFigures({ unitId, subtree }, this.scope.today());
  }
}
