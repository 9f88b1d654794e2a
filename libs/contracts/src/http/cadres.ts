import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN, MAX } from './common';

export class RegisterCadreDto {
  @ApiPropertyOptional({ pattern: ID_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  id?: string;

  @ApiProperty({ example: '张三', maxLength: MAX.name })
  @IsString()
  @Length(1, MAX.name)
  name: string;

  @ApiProperty()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  unitId: string;

  @ApiProperty({ example: '书记', maxLength: MAX.post })
  @IsString()
  @Length(1, MAX.post)
  post: string;
}

export class TransferCadreDto {
  @ApiProperty()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  unitId: string;

  @ApiPropertyOptional({ description: 'the post in the new unit; unchanged when absent', maxLength: MAX.post })
  @IsOptional()
  @IsString()
  @Length(1, MAX.post)
  post?: string;
}
