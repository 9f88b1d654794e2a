import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN, IsLocalDate, SubtreeQueryDto } from '@ledger/contracts';

/** `GET /inspection/figures?unitId=&cadreId=&from=&to=&subtree=`. */
export class InspectionFiguresQueryDto extends SubtreeQueryDto {
  @ApiPropertyOptional({ description: 'items handled by this unit (its subtree of the day unless subtree=false); a unit user defaults to its own' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  unitId?: string;

  @ApiPropertyOptional({ description: 'items this cadre answered for (责任人) when the fact happened' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  cadreId?: string;

  @ApiPropertyOptional({ description: 'first county date of the period (inclusive)', example: '2026-01-01' })
  @IsOptional()
  @IsLocalDate()
  from?: string;

  @ApiPropertyOptional({ description: 'last county date of the period (inclusive)', example: '2026-03-31' })
  @IsOptional()
  @IsLocalDate()
  to?: string;
}
