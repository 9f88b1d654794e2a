import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Actor } from '@ledger/contracts/events';
import type { UnitFiguresRow } from '@ledger/read-models';
import { ReadScope } from '../shared/read-scope';
import { AsOfCuts } from '../../inspection/as-of/as-of';
import { NotFoundProblem } from '../../problem-details/errors';

/** One row per child unit, each rolled up over the child's subtree (township rankings). */
export class ChildrenOutstandingQuery {
  constructor(
    readonly actor: Actor,
    readonly unitId: string,
    readonly minPosition?: string,
    readonly asOf?: string,
  ) {}
}

@QueryHandler(ChildrenOutstandingQuery)
export class ChildrenOutstandingHandler implements IQueryHandler<ChildrenOutstandingQuery, UnitFiguresRow[]> {
  constructor(
    private readonly scope: ReadScope,
    private readonly cuts: AsOfCuts,
  ) {}

  async execute(q: ChildrenOutstandingQuery): Promise<UnitFiguresRow[]> {
    await this.scope.consistent(q.minPosition);
    await this.scope.requireUnit(q.actor, q.unitId);
    const cut = await this.cuts.instant(q.asOf);
    if (cut) {
      // The children of that day, each rolled up over its subtree of that day.
      const rows = await this.cuts.temporal.childrenFigures(q.unitId, cut);
      if (!rows) throw new NotFoundProblem('UNIT_NOT_FOUND', `no unit ${q.unitId} as of ${q.asOf}`);
      return rows;
    }
    return (await this.scope.queries.childrenFigures(q.unitId, this.scope.today()))!;
  }
}
