import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { UNIT_KINDS, type UnitKind } from '../events/payloads';
import { ID_MESSAGE, ID_PATTERN, MAX } from './common';

export class RegisterUnitDto {
  @ApiPropertyOptional({ description: 'client-supplied id; a UUID is generated when absent', pattern: ID_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  id?: string;

  @ApiProperty({ example: '和平乡党委', maxLength: MAX.name })
  @IsString()
  @Length(1, MAX.name)
  name: string;

  @ApiProperty({ enum: UNIT_KINDS })
  @IsIn(UNIT_KINDS as unknown as string[])
  kind: UnitKind;

  @ApiPropertyOptional({ description: 'absent for the county committee (root)' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  parentId?: string;
}

export class RenameUnitDto {
  @ApiProperty({ maxLength: MAX.name })
  @IsString()
  @Length(1, MAX.name)
  name: string;
}

export class MoveUnitDto {
  @ApiProperty()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  parentId: string;
}

export class DissolveUnitDto {
  @ApiProperty({ maxLength: MAX.text })
  @IsString()
  @Length(1, MAX.text)
  reason: string;
}
