import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Actor } from '@ledger/contracts/events';
import type { Figures } from '@ledger/read-models';
import { ReadScope } from '../shared/read-scope';
import { AsOfCuts } from '../../inspection/as-of/as-of';
import { NotFoundProblem } from '../../problem-details/errors';

/** A unit's figures, rolled up over its subtree unless `subtree` is false. */
export class UnitOutstandingQuery {
  constructor(
    readonly actor: Actor,
    readonly unitId: string,
    readonly subtree: boolean,
    readonly minPosition?: string,
    readonly asOf?: string,
  ) {}
}

@QueryHandler(UnitOutstandingQuery)
export class UnitOutstandingHandler implements IQueryHandler<UnitOutstandingQuery, Figures> {
  constructor(
    private readonly scope: ReadScope,
    private readonly cuts: AsOfCuts,
  ) {}

  async execute(q: UnitOutstandingQuery): Promise<Figures> {
    await this.scope.consistent(q.minPosition);
    await this.scope.requireUnit(q.actor, q.unitId);
    const cut = await this.cuts.instant(q.asOf);
    if (cut) {
      const figures = await this.cuts.temporal.unitFigures(q.unitId, q.subtree, cut);
      if (!figures) throw new NotFoundProblem('UNIT_NOT_FOUND', `no unit ${q.unitId} as of ${q.asOf}`);
      return figures;
    }
    return (await this.scope.queries.unitFigures(q.unitId, q.subtree, this.scope.today()))!;
  }
}
