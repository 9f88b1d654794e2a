import { Controller, Get, Inject, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ACCESS_ACTIONS, AccessAudit, type AccessEntry, type AccessQuery } from '@ledger/integrity';
import { COUNTY_OFFSET, countyInstant } from '@ledger/platform';
import { exportAccessAudit } from '@ledger/sheets-io';
import type { Response } from 'express';
import { Roles } from '../auth/roles.decorator';
import { ApiProblem, ValidationProblem } from '../problem-details/errors';
import { AccessAuditQueryDto } from './access-audit.dto';

/** Rows in one file: more is a 400 asking for a narrower period, never a file cut short. */
export const MAX_ACCESS_EXPORT_ROWS = 200_000;

/** An entry as the route answers it: the instant in county time (+08:00), the detail parsed. */
export type AccessEntryView = Omit<AccessEntry, 'detail'> & { detail: Record<string, unknown> | null };

/** The access audit trail, for the audit administrator (安全审计员) only: JSON pages or a workbook. */
@ApiTags('audit')
@Controller('audit/access')
export class AccessAuditRoute {
  constructor(@Inject(AccessAudit) private readonly audit: AccessAudit) {}

  @Get()
  @Roles('auditadmin')
  @ApiOperation({
    summary:
      'Who looked at what: { entries: [{ seq, at, actor, role, name, address, action, target, outcome, status, detail, hash }], total, page, pageSize }, oldest first; format=xlsx|csv for every matching entry',
  })
  async list(
    @Query() query: AccessAuditQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ entries: AccessEntryView[]; total: number; page: number; pageSize: number } | StreamableFile> {
    const filter: AccessQuery = {
      ...(query.actor !== undefined ? { actor: query.actor } : {}),
      ...(query.action !== undefined ? { action: query.action } : {}),
      ...(query.from !== undefined ? { from: bound(query.from, 'from') } : {}),
      ...(query.to !== undefined ? { to: bound(query.to, 'to') } : {}),
    };
    if (filter.from && filter.to && filter.from >= filter.to) throw new ValidationProblem([{ field: 'to', messages: ['to must be after from'] }]);
    if (query.format === 'xlsx' || query.format === 'csv') {
      const { entries, total } = await this.audit.store.query(filter, 0, MAX_ACCESS_EXPORT_ROWS + 1);
      if (total > MAX_ACCESS_EXPORT_ROWS) {
        throw new ApiProblem(400, 'EXPORT_TOO_LARGE', `${total} entries match; a file holds at most ${MAX_ACCESS_EXPORT_ROWS}: narrow the period`);
      }
      const file = await exportAccessAudit(entries, ACCESS_ACTIONS, { format: query.format });
      res.setHeader('Content-Type', file.contentType);
      res.setHeader('Content-Disposition', file.contentDisposition);
      return new StreamableFile(file.body);
    }
    const page = Number(query.page ?? 1);
    const pageSize = Number(query.pageSize ?? 100);
    if (pageSize > 500) throw new ValidationProblem([{ field: 'pageSize', messages: ['pageSize must be a whole number from 1 to 500'] }]);
    const { entries, total } = await this.audit.store.query(filter, (page - 1) * pageSize, pageSize);
    return { entries: entries.map(view), total, page, pageSize };
  }
}

/** A county date as its first instant (from) or the first instant after it (to: the day is included); an instant as it is. */
function bound(value: string, which: 'from' | 'to'): string {
  const at = value.length === 10 ? new Date(`${value}T00:00:00${COUNTY_OFFSET}`) : new Date(value);
  // Date rolls 2026-02-30 over into March: refused rather than read as another day.
  const calendarDay = value.length === 10 ? new Date(`${value}T00:00:00Z`) : null;
  if (Number.isNaN(at.getTime()) || (calendarDay && (Number.isNaN(calendarDay.getTime()) || calendarDay.toISOString().slice(0, 10) !== value))) {
    throw new ValidationProblem([{ field: which, messages: [`${which} is not a date or instant that exists`] }]);
  }
  return (value.length === 10 && which === 'to' ? new Date(at.getTime() + 86_400_000) : at).toISOString();
}

function view(e: AccessEntry): AccessEntryView {
  return { ...e, at: countyInstant(new Date(e.at)), detail: e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : null };
}
