import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ID_MESSAGE, ID_PATTERN, ReadQueryDto } from '@ledger/contracts';
import { IsLocalDate } from '@ledger/contracts/http/common';
import { IsIn, IsOptional, Matches } from 'class-validator';

export class StarRatingQueryDto extends ReadQueryDto {
  @ApiProperty({ description: 'first county date of the period, inclusive', example: '2026-01-01' })
  @IsLocalDate()
  from!: string;

  @ApiProperty({ description: 'last county date of the period, inclusive', example: '2026-06-30' })
  @IsLocalDate()
  to!: string;

  @ApiPropertyOptional({ description: 'rate the branches of this subtree (default: the whole county; a unit user: its own subtree)' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  unitId?: string;

  @ApiPropertyOptional({ enum: ['csv', 'xlsx'], description: 'the same rows as a workbook or CSV with Chinese headers' })
  @IsOptional()
  @IsIn(['csv', 'xlsx'])
  format?: 'csv' | 'xlsx';
}
