import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { Actor } from '@ledger/contracts/events';
import type { Figures } from '@ledger/read-models';
import { NotFoundProblem } from '../../problem-details/errors';
import { OutOfScopeProblem, ReadScope } from '../shared/read-scope';

/** Figures over the items whose responsible cadre (责任人) this is. */
export class CadreOutstandingQuery {
  constructor(
    readonly actor: Actor,
    readonly cadreId: string,
    readonly minPosition?: string,
  ) {}
}

@QueryHandler(CadreOutstandingQuery)
export class CadreOutstandingHandler implements IQueryHandler<CadreOutstandingQuery, Figures> {
  constructor(private readonly scope: ReadScope) {}

  async execute(q: CadreOutstandingQuery): Promise<Figures> {
    await this.scope.consistent(q.minPosition);
    const cadre = await this.scope.queries.cadre(q.cadreId);
    if (!cadre) throw new NotFoundProblem('CADRE_NOT_FOUND', `no cadre ${q.cadreId}`);
    if (!(await this.scope.unitInScope(q.actor, cadre.unitId))) throw new OutOfScopeProblem(`cadre ${q.cadreId}`);
    return (await this.scope.queries.cadreFigures(q.cadreId, this.scope.today()))!;
  }
}
