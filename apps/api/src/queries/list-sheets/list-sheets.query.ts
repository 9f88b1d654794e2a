import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { SheetView } from '@ledger/read-models';
import { ReadScope } from '../shared/read-scope';

/** The assignment sheets (交办单), newest first: county-wide documents every role may read. */
export class ListSheetsQuery {
  constructor(readonly minPosition?: string) {}
}

@QueryHandler(ListSheetsQuery)
export class ListSheetsHandler implements IQueryHandler<ListSheetsQuery, SheetView[]> {
  constructor(private readonly scope: ReadScope) {}

  async execute(q: ListSheetsQuery): Promise<SheetView[]> {
    await this.scope.consistent(q.minPosition);
    return this.scope.queries.sheets();
  }
}
