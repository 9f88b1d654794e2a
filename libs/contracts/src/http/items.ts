import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { URGE_LEVELS, type UrgeLevel } from '../events/payloads';
import { ID_MESSAGE, ID_PATTERN, IsLocalDate, MAX } from './common';

export class EvidenceDto {
  @ApiProperty({ example: '整改报告.pdf', maxLength: MAX.fileName })
  @IsString()
  @Length(1, MAX.fileName)
  name: string;

  @ApiProperty({ example: 204800, description: 'bytes' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  size: number;

  @ApiProperty({ example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', pattern: '^[0-9a-f]{64}$' })
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: '$property must be a lower-case hex SHA-256 (64 characters)' })
  sha256: string;
}

export class AssignItemDto {
  @ApiPropertyOptional({ pattern: ID_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  id?: string;

  @ApiProperty()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  sheetId: string;

  @ApiProperty({ maxLength: MAX.title })
  @IsString()
  @Length(1, MAX.title)
  title: string;

  @ApiPropertyOptional({ description: '办理要求', maxLength: MAX.requirements })
  @IsOptional()
  @IsString()
  @Length(0, MAX.requirements)
  requirements?: string;

  @ApiProperty({ description: 'handling unit (承办单位)' })
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  unitId: string;

  @ApiProperty({ description: 'responsible cadre (责任人)' })
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  cadreId: string;

  @ApiPropertyOptional({ description: 'accountable leader (cadre id)' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  leaderId?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Matches(ID_PATTERN, { each: true, message: ID_MESSAGE })
  supportUnitIds?: string[];

  @ApiProperty({ example: '2026-06-30', format: 'date' })
  @IsLocalDate()
  dueDate: string;
}

export class AcknowledgeItemDto {}

export class ReportProgressDto {
  @ApiProperty({ maxLength: MAX.text })
  @IsString()
  @Length(1, MAX.text)
  note: string;

  @ApiPropertyOptional({ type: [EvidenceDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX.evidence)
  @ValidateNested({ each: true })
  @Type(() => EvidenceDto)
  evidence?: EvidenceDto[];
}

export class ReportCompletionDto {
  @ApiProperty({ maxLength: MAX.text })
  @IsString()
  @Length(1, MAX.text)
  summary: string;

  @ApiPropertyOptional({ type: [EvidenceDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX.evidence)
  @ValidateNested({ each: true })
  @Type(() => EvidenceDto)
  evidence?: EvidenceDto[];
}

/** Commands whose only field is a required reason: return, reopen, withdraw, refuse an extension. */
export class ReasonDto {
  @ApiProperty({ maxLength: MAX.text })
  @IsString()
  @Length(1, MAX.text)
  reason: string;
}

/** Commands with an optional note: conclude, strike off, grant an extension. */
export class OptionalNoteDto {
  @ApiPropertyOptional({ maxLength: MAX.text })
  @IsOptional()
  @IsString()
  @Length(0, MAX.text)
  note?: string;
}

export class ReturnItemDto extends ReasonDto {}
export class ReopenItemDto extends ReasonDto {}
export class WithdrawItemDto extends ReasonDto {}
export class RefuseExtensionDto extends ReasonDto {}
export class ConcludeItemDto extends OptionalNoteDto {}
export class StrikeOffItemDto extends OptionalNoteDto {}
export class GrantExtensionDto extends OptionalNoteDto {}

export class UrgeItemDto {
  @ApiProperty({ enum: URGE_LEVELS })
  @IsIn(URGE_LEVELS as unknown as string[])
  level: UrgeLevel;

  @ApiPropertyOptional({ example: '电话', maxLength: MAX.channel })
  @IsOptional()
  @IsString()
  @Length(1, MAX.channel)
  channel?: string;

  @ApiPropertyOptional({ maxLength: MAX.text })
  @IsOptional()
  @IsString()
  @Length(0, MAX.text)
  note?: string;
}

export class ReassignItemDto {
  @ApiPropertyOptional({ description: 'new handling unit; unitId or cadreId is required' })
  @ValidateIf((o: ReassignItemDto) => o.unitId !== undefined || o.cadreId === undefined)
  @IsDefined({ message: 'unitId or cadreId is required' })
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  unitId?: string;

  @ApiPropertyOptional({ description: 'new responsible cadre' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  cadreId?: string;

  @ApiProperty({ maxLength: MAX.text })
  @IsString()
  @Length(1, MAX.text)
  reason: string;
}

export class RequestExtensionDto {
  @ApiProperty({ format: 'date' })
  @IsLocalDate()
  newDueDate: string;

  @ApiProperty({ maxLength: MAX.text })
  @IsString()
  @Length(1, MAX.text)
  reason: string;
}
