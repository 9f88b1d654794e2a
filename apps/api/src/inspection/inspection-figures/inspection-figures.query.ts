import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Actor } from '@ledger/contracts/events';
import type { InspectionFigures } from '@ledger/read-models';
import { NotFoundProblem, ValidationProblem } from '../../problem-details/errors';
import { ReadScope } from '../../queries/shared/read-scope';
import { AsOfCuts } from '../as-of/as-of';
import type { InspectionFiguresQueryDto } from './inspection-figures.dto';

/** 督查统计: time to conclusion, returns, extensions and urges over a period, by unit (subtree) and/or cadre. */
export class InspectionFiguresQuery {
  constructor(
    readonly actor: Actor,
    readonly filter: InspectionFiguresQueryDto,
  ) {}
}

@QueryHandler(InspectionFiguresQuery)
export class InspectionFiguresHandler implements IQueryHandler<InspectionFiguresQuery, InspectionFigures> {
  constructor(
    private readonly scope: ReadScope,
    private readonly cuts: AsOfCuts,
  ) {}

  async execute({ actor, filter }: InspectionFiguresQuery): Promise<InspectionFigures> {
    await this.scope.consistent(filter.minPosition);
    // The figures are the temporal read models' facts, which follow the current state in transactions of their own.
    if (filter.minPosition) await this.cuts.ensureTemporal(BigInt(filter.minPosition));
    if (filter.from && filter.to && filter.from > filter.to) {
      throw new ValidationProblem([{ field: 'to', messages: ['to must be on or after from'] }]);
    }
    const root = this.scope.scopeRoot(actor);
    // A unit user asks about its own unit unless it names one of its subtree (404 unknown, 403 outside).
    const unitId = filter.unitId ?? root;
    if (unitId !== undefined) await this.scope.requireUnit(actor, unitId);
    if (filter.cadreId && !(await this.scope.queries.cadre(filter.cadreId))) {
      throw new NotFoundProblem('CADRE_NOT_FOUND', `no cadre ${filter.cadreId}`);
    }
    return this.cuts.temporal.inspectionFigures({
      unitId,
      cadreId: filter.cadreId,
      subtree: filter.subtree ?? true,
      from: filter.from,
      to: filter.to,
      scopeRootUnitId: root,
    });
  }
}
