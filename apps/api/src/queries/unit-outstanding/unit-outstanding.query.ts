import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Actor } from '@ledger/contracts/events';
import type { Figures } from '@ledger/read-models';
import { ReadScope } from '../shared/read-scope';

/** A unit's figures, rolled up over its subtree unless `subtree` is false. */
export class UnitOutstandingQuery {
  constructor(
    readonly actor: Actor,
    readonly unitId: string,
    readonly subtree: boolean,
    readonly minPosition?: string,
  ) {}
}

@QueryHandler(UnitOutstandingQuery)
export class UnitOutstandingHandler implements IQueryHandler<UnitOutstandingQuery, Figures> {
  constructor(private readonly scope: ReadScope) {}

  async execute(q: UnitOutstandingQuery): Promise<Figures> {
    await this.scope.consistent(q.minPosition);
    await this.scope.requireUnit(q.actor, q.unitId);
    return (await this.scope.queries.unitFigures(q.unitId, q.subtree, this.scope.today()))!;
  }
}
