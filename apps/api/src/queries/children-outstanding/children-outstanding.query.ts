import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Actor } from '@ledger/contracts/events';
import type { UnitFiguresRow } from '@ledger/read-models';
import { ReadScope } from '../shared/read-scope';

/** One row per child unit, each rolled up over the child's subtree (township rankings). */
export class ChildrenOutstandingQuery {
  constructor(
    readonly actor: Actor,
    readonly unitId: string,
    readonly minPosition?: string,
  ) {}
}

@QueryHandler(ChildrenOutstandingQuery)
export class ChildrenOutstandingHandler implements IQueryHandler<ChildrenOutstandingQuery, UnitFiguresRow[]> {
  constructor(private readonly scope: ReadScope) {}

  async execute(q: ChildrenOutstandingQuery): Promise<UnitFiguresRow[]> {
    await this.scope.consistent(q.minPosition);
    await this.scope.requireUnit(q.actor, q.unitId);
    return (await this.scope.queries.childrenFigures(q.unitId, this.scope.today()))!;
  }
}
