import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, Matches, Max, Min } from 'class-validator';
import {
  CADRE_ACCOUNTABILITY_FORMS,
  ITEM_STATUSES,
  UNIT_ACCOUNTABILITY_FORMS,
  type AccountabilityForm,
  type AccountabilityTargetKind,
  type ItemStatus,
} from '../events';
import { ID_MESSAGE, ID_PATTERN, IsLocalDate } from './common';

/** Query strings are strings: these turn `true`/`false` and digits into values, and leave anything else to fail. */
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value);
const toList = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').filter((s) => s !== '') : value);

export const POSITION_PATTERN = /^\d{1,20}$/;
export const ITEM_LIGHTS = ['green', 'yellow', 'red'] as const;
export const ITEM_SORTS = ['dueDate', 'updatedAt', 'createdAt', 'status', 'title'].flatMap((k) => [k, `-${k}`]);
export const ACCOUNTABILITY_FORMS: readonly AccountabilityForm[] = [
  ...new Set<AccountabilityForm>([...UNIT_ACCOUNTABILITY_FORMS, ...CADRE_ACCOUNTABILITY_FORMS]),
];

/** Every query: wait (at most 5 s) until the read models include this global position. */
export class ReadQueryDto {
  @ApiPropertyOptional({ description: 'a position from a command answer; the query waits until the read models include it (503 after 5 s)', example: '1024' })
  @IsOptional()
  @Matches(POSITION_PATTERN, { message: '$property must be a position: digits only' })
  minPosition?: string;
}

/** An instant with its offset: `2026-03-01T00:00:00+08:00`, `2026-02-28T16:00:00Z`. */
export const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const AS_OF_DESCRIPTION =
  'answer as the ledger stood at this instant (ISO-8601 with offset): events recorded at or before it; lights and overdue against its county date; a future instant answers as now';

/** `asOf=<instant>`: an instant that exists, with its offset. */
function IsAsOf(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    ApiPropertyOptional({ description: AS_OF_DESCRIPTION, example: '2026-03-01T00:00:00+08:00' })(target, property);
    IsOptional()(target, property);
    IsISO8601({ strict: true }, { message: '$property must be an ISO-8601 instant that exists' })(target, property);
    Matches(INSTANT_PATTERN, { message: '$property must be an instant with its offset, e.g. 2026-03-01T00:00:00+08:00' })(target, property);
  };
}

/** `GET /items/:id` and `GET /units/:id/children/outstanding`: `minPosition` and `asOf`. */
export class AsOfQueryDto extends ReadQueryDto {
  @IsAsOf()
  asOf?: string;
}

export class SubtreeQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ description: 'roll up over the unit subtree (default true)', type: Boolean })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: '$property must be true or false' })
  subtree?: boolean;
}

/** `GET /cadres` and `GET /cadres/outstanding`. */
export class CadresQueryDto extends SubtreeQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  unitId?: string;
}

/** `GET /units/:id/outstanding`. */
export class UnitOutstandingQueryDto extends SubtreeQueryDto {
  @IsAsOf()
  asOf?: string;
}

/** `GET /items`. */
export class ListItemsQueryDto extends SubtreeQueryDto {
  @IsAsOf()
  asOf?: string;

  @ApiPropertyOptional({ description: 'one status or several, comma-separated', example: 'assigned,in_progress' })
  @IsOptional()
  @Transform(toList)
  @IsIn(ITEM_STATUSES as unknown as string[], { each: true, message: `$property must be among ${ITEM_STATUSES.join(', ')}` })
  status?: ItemStatus[];

  @ApiPropertyOptional({ enum: ITEM_LIGHTS })
  @IsOptional()
  @IsIn(ITEM_LIGHTS as unknown as string[])
  light?: (typeof ITEM_LIGHTS)[number];

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  unitId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  cadreId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  sheetId?: string;

  @ApiPropertyOptional({ example: '2026-03-01' })
  @IsOptional()
  @IsLocalDate()
  dueFrom?: string;

  @ApiPropertyOptional({ example: '2026-03-31' })
  @IsOptional()
  @IsLocalDate()
  dueTo?: string;

  @ApiPropertyOptional({ enum: ITEM_SORTS, description: 'a leading - sorts descending', example: '-updatedAt' })
  @IsOptional()
  @IsIn(ITEM_SORTS)
  sort?: string;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 20 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  pageSize?: number;
}

/** `GET /accountability`: the register (问责台账). */
export class AccountabilityRegisterQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ enum: ['cadre', 'unit'] })
  @IsOptional()
  @IsIn(['cadre', 'unit'])
  targetKind?: AccountabilityTargetKind;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  targetId?: string;

  @ApiPropertyOptional({ enum: ACCOUNTABILITY_FORMS })
  @IsOptional()
  @IsIn(ACCOUNTABILITY_FORMS as string[])
  form?: AccountabilityForm;

  @ApiPropertyOptional({ description: 'decided on or after', example: '2026-01-01' })
  @IsOptional()
  @IsLocalDate()
  from?: string;

  @ApiPropertyOptional({ description: 'decided on or before', example: '2026-12-31' })
  @IsOptional()
  @IsLocalDate()
  to?: string;
}
