import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested, IsDefined } from 'class-validator';
import {
  CADRE_ACCOUNTABILITY_FORMS,
  UNIT_ACCOUNTABILITY_FORMS,
  type AccountabilityForm,
  type AccountabilityTargetKind,
  type ReferralBody,
} from '../events/payloads';
import { ID_MESSAGE, ID_PATTERN, IsLocalDate, MAX } from './common';

const DECISION_FORMS = [...new Set<string>([...UNIT_ACCOUNTABILITY_FORMS, ...CADRE_ACCOUNTABILITY_FORMS])];

export class AccountabilityTargetDto {
  @ApiProperty({ enum: ['cadre', 'unit'] })
  @IsIn(['cadre', 'unit'])
  kind: AccountabilityTargetKind;

  @ApiProperty()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  id: string;
}

export class ReferAccountabilityDto {
  @ApiProperty({ type: AccountabilityTargetDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => AccountabilityTargetDto)
  target: AccountabilityTargetDto;

  @ApiProperty({ enum: ['discipline', 'organisation'] })
  @IsIn(['discipline', 'organisation'])
  to: ReferralBody;

  @ApiPropertyOptional({ maxLength: MAX.text })
  @IsOptional()
  @IsString()
  @Length(0, MAX.text)
  note?: string;
}

export class DecideAccountabilityDto {
  @ApiProperty({ type: AccountabilityTargetDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => AccountabilityTargetDto)
  target: AccountabilityTargetDto;

  @ApiProperty({ enum: DECISION_FORMS, description: 'which forms fit which target kind is a domain rule (409)' })
  @IsIn(DECISION_FORMS)
  form: AccountabilityForm;

  @ApiPropertyOptional({ minimum: 1, maximum: 4, description: '四种形态' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(4)
  dispositionForm?: 1 | 2 | 3 | 4;

  @ApiProperty({ example: '县纪委监委', maxLength: MAX.name })
  @IsString()
  @Length(1, MAX.name)
  decidedBy: string;

  @ApiProperty({ format: 'date' })
  @IsLocalDate()
  decidedOn: string;

  @ApiPropertyOptional({ example: '源纪发〔2026〕3号', maxLength: MAX.documentNo })
  @IsOptional()
  @IsString()
  @Length(1, MAX.documentNo)
  documentNo?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 120 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(120)
  effectMonths?: number;

  @ApiProperty({ maxLength: MAX.text })
  @IsString()
  @Length(1, MAX.text)
  reason: string;
}

export class RevokeAccountabilityDto {
  @ApiProperty({ maxLength: MAX.text })
  @IsString()
  @Length(1, MAX.text)
  reason: string;

  @ApiPropertyOptional({ description: 'appeal outcome (申诉结果)', maxLength: MAX.text })
  @IsOptional()
  @IsString()
  @Length(1, MAX.text)
  appealOutcome?: string;
}
