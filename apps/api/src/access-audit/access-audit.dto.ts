import { ApiPropertyOptional } from '@nestjs/swagger';
import { ReadQueryDto } from '@ledger/contracts';
import { ACCESS_ACTIONS } from '@ledger/integrity';
import { IsIn, IsOptional, Matches, MaxLength } from 'class-validator';

/** A county date (`2026-03-02`, the whole day in Asia/Shanghai) or an instant with its offset. */
const DATE_OR_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const DATE_OR_INSTANT_MESSAGE = '$property must be a date (2026-03-02) or an instant with its offset (2026-03-02T09:00:00+08:00)';

export class AccessAuditQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ description: 'who: the account or token subject (exact)' })
  @IsOptional()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional({ enum: Object.keys(ACCESS_ACTIONS), description: 'what was done' })
  @IsOptional()
  @IsIn(Object.keys(ACCESS_ACTIONS))
  action?: string;

  @ApiPropertyOptional({ description: 'from this county date (its start) or instant, inclusive', example: '2026-03-01' })
  @IsOptional()
  @Matches(DATE_OR_INSTANT, { message: DATE_OR_INSTANT_MESSAGE })
  from?: string;

  @ApiPropertyOptional({ description: 'to this county date (its whole day) inclusive, or before this instant', example: '2026-03-31' })
  @IsOptional()
  @Matches(DATE_OR_INSTANT, { message: DATE_OR_INSTANT_MESSAGE })
  to?: string;

  @ApiPropertyOptional({ enum: ['json', 'xlsx', 'csv'], description: 'xlsx or csv: every matching entry as a file with Chinese headers' })
  @IsOptional()
  @IsIn(['json', 'xlsx', 'csv'])
  format?: 'json' | 'xlsx' | 'csv';

  @ApiPropertyOptional({ description: '1-based page of the JSON answer', example: '1' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,6}$/, { message: '$property must be a whole number from 1' })
  page?: string;

  @ApiPropertyOptional({ description: 'entries per page, at most 500 (default 100)', example: '100' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,2}$/, { message: '$property must be a whole number from 1 to 500' })
  pageSize?: string;
}
