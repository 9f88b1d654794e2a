import {
  Inject,
  Injectable,
  SetMetadata,
  StreamableFile,
  UseInterceptors,
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { QueryBus } from '@nestjs/cqrs';
import { ApiProduces, ApiQuery } from '@nestjs/swagger';
import { ListItemsQueryDto } from '@ledger/contracts';
import type { Actor } from '@ledger/contracts/events';
import { countyDate, type Clock } from '@ledger/platform';
import { MAX_PAGE_SIZE, ReadQueries, type ItemPage, type ItemView } from '@ledger/read-models';
import { CONTENT_TYPES, type ExportFormat } from '@ledger/sheets-io';
import { plainToInstance } from 'class-transformer';
import type { Request, Response } from 'express';
import { from, switchMap, type Observable } from 'rxjs';
import { ACTOR_KEY } from '../auth/current-actor.decorator';
import { CLOCK } from '../platform/tokens';
import { ApiProblem, ValidationProblem } from '../problem-details/errors';
import { ListItemsQuery } from '../queries/list-items/list-items.query';
import { EXPORT_FORMATS, MAX_EXPORT_ROWS, exportFile, type ExportKind, type ExportRows } from '@ledger/read-models/exports/export-files';
import { HEAVY_REQUESTS } from './work-gate';

const EXPORT_KIND = 'ledger:exportKind';
const FORMAT_VALUES = ['json', ...EXPORT_FORMATS];

/**
 * `format=xlsx|csv` on a query route (one line on the route): the same rows as a file with Chinese
 * headers. `format` is taken off the query before validation, so the route's DTO never sees it.
 * For `/items` the file holds every page of the filter (page and pageSize are ignored), at most
 * MAX_EXPORT_ROWS: more is a 400 EXPORT_TOO_LARGE asking for a narrower filter, never a cut-off file.
 */
export const Exportable = (kind: ExportKind): MethodDecorator =>
  applyDecorators(
    SetMetadata(EXPORT_KIND, kind),
    UseInterceptors(ExportInterceptor),
    ApiQuery({ name: 'format', required: false, enum: FORMAT_VALUES, description: 'xlsx or csv: the same rows as a file with Chinese headers' }),
    ApiProduces('application/json', CONTENT_TYPES.xlsx, CONTENT_TYPES.csv),
  );

@Injectable()
export class ExportInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly bus: QueryBus,
    private readonly queries: ReadQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const kind = this.reflector.get<ExportKind>(EXPORT_KIND, ctx.getHandler());
    const req = ctx.switchToHttp().getRequest<Request>();
    const query = { ...(req.query as Record<string, unknown>) };
    if (!kind || query.format === undefined) return next.handle();
    const format = query.format;
    if (typeof format !== 'string' || !FORMAT_VALUES.includes(format)) {
      throw new ValidationProblem([{ field: 'format', messages: [`format must be one of ${FORMAT_VALUES.join(', ')}`] }]);
    }
    delete query.format;
    if (format === 'json') {
      setQuery(req, query);
      return next.handle();
    }
    if (kind === 'items') {
      // The first page, as large as a page gets; the rest is fetched below with the same filter.
      delete query.page;
      query.pageSize = String(MAX_PAGE_SIZE);
    }
    setQuery(req, query);
    const actor = (req as unknown as Record<string, unknown>)[ACTOR_KEY] as Actor;
    const res = ctx.switchToHttp().getResponse<Response>();
    // The route's first page is small; the file (every page, every row) is built one export at a time.
    return next.handle().pipe(switchMap((answer) => from(HEAVY_REQUESTS.run(() => this.file(kind, answer, format as ExportFormat, actor, query), res))));
  }

  private async file(kind: ExportKind, answer: unknown, format: ExportFormat, actor: Actor, query: Record<string, unknown>): Promise<StreamableFile> {
    const rows = kind === 'items' ? await this.allItems(answer as ItemPage, actor, query) : (answer as ExportRows[typeof kind]);
    const file = await exportFile(kind, rows as never, format, this.queries, countyDate(this.clock.now()));
    return new StreamableFile(file.body, { type: file.contentType, disposition: file.contentDisposition, length: file.body.length });
  }

  private async allItems(first: ItemPage, actor: Actor, query: Record<string, unknown>): Promise<ItemView[]> {
    if (first.total > MAX_EXPORT_ROWS) {
      throw new ApiProblem(400, 'EXPORT_TOO_LARGE', `${first.total} items match; an export holds at most ${MAX_EXPORT_ROWS}: narrow the filter`, {
        total: first.total,
        limit: MAX_EXPORT_ROWS,
      });
    }
    const filter = plainToInstance(ListItemsQueryDto, query);
    const seen = new Set(first.items.map((i) => i.id));
    const items = [...first.items];
    const pages = Math.ceil(first.total / first.pageSize);
    for (let page = 2; page <= pages; page++) {
      const next: ItemPage = await this.bus.execute(new ListItemsQuery(actor, { ...filter, page, pageSize: first.pageSize }));
      // Rows may shift between pages while the projector writes: an item is listed once.
      for (const item of next.items) {
        if (seen.has(item.id)) continue;
        seen.add(item.id);
        items.push(item);
      }
      if (next.items.length < first.pageSize) break;
    }
    return items;
  }
}

/** Express 5 parses `req.query` on every read: an own property replaces the getter for this request. */
function setQuery(req: Request, query: Record<string, unknown>): void {
  Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
}
