import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN, IsLocalDate, MAX, SHEET_NUMBER_PATTERN } from './common';

export class IssueSheetDto {
  @ApiPropertyOptional({ pattern: ID_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  id?: string;

  @ApiProperty({ example: '源办〔2026〕12号', description: 'unique across sheets', maxLength: 64 })
  @IsString()
  @Matches(SHEET_NUMBER_PATTERN, { message: '$property must be 1–64 characters, no control characters, no leading or trailing spaces' })
  number: string;

  @ApiProperty({ maxLength: MAX.title })
  @IsString()
  @Length(1, MAX.title)
  title: string;

  @ApiPropertyOptional({ example: '县委常委会', maxLength: MAX.title })
  @IsOptional()
  @IsString()
  @Length(1, MAX.title)
  source?: string;

  @ApiProperty({ example: '2026-03-01', format: 'date' })
  @IsLocalDate()
  issuedOn: string;
}
