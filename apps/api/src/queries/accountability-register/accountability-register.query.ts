import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { AccountabilityRegisterQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import type { AccountabilityEntry } from '@ledger/read-models';
import { ReadScope } from '../shared/read-scope';

/** 问责台账: recorded decisions by target, form and period (a unit user: on items within its subtree). */
export class AccountabilityRegisterQuery {
  constructor(
    readonly actor: Actor,
    readonly filter: AccountabilityRegisterQueryDto,
  ) {}
}

@QueryHandler(AccountabilityRegisterQuery)
export class AccountabilityRegisterHandler implements IQueryHandler<AccountabilityRegisterQuery, AccountabilityEntry[]> {
  constructor(private readonly scope: ReadScope) {}

  async execute({ actor, filter }: AccountabilityRegisterQuery): Promise<AccountabilityEntry[]> {
    await this.scope.consistent(filter.minPosition);
    const { minPosition: _, ...rest } = filter;
    return this.scope.queries.register({ ...rest, scopeRootUnitId: this.scope.scopeRoot(actor) });
  }
}
