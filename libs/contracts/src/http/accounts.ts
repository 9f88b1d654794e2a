import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ACCOUNT_ROLES, RANKS, type AccountRole, type ActorRank } from '../events';
import { ID_MESSAGE, ID_PATTERN, MAX } from './common';
import { AsOfQueryDto } from './queries';

/** Letters, digits and . _ - @, 2–64 characters (the domain checks it again: LOGIN_INVALID). */
export const LOGIN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/;

/** POST /accounts (system administrator). */
export class OpenAccountDto {
  @ApiPropertyOptional({ pattern: ID_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  id?: string;

  @ApiProperty({ example: 'li.zuzhi', pattern: LOGIN_PATTERN.source })
  @IsString()
  @Matches(LOGIN_PATTERN, { message: '$property must be 2–64 letters, digits, . _ - or @' })
  login: string;

  @ApiProperty({ example: '李组织', maxLength: MAX.name })
  @IsString()
  @Length(1, MAX.name)
  name: string;

  @ApiPropertyOptional({ example: '0971-1234567' })
  @IsOptional()
  @IsString()
  @Length(5, 20)
  phone?: string;

  @ApiPropertyOptional({ description: 'required with the unit role: the unit whose subtree the account acts for' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  unitId?: string;

  @ApiProperty({ enum: ACCOUNT_ROLES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ACCOUNT_ROLES.length)
  @IsIn(ACCOUNT_ROLES, { each: true })
  roles: AccountRole[];

  @ApiPropertyOptional({ enum: RANKS, description: '部领导 (org_dept only)' })
  @IsOptional()
  @IsIn(RANKS)
  rank?: ActorRank;

  @ApiPropertyOptional({ maxLength: MAX.text })
  @IsOptional()
  @IsString()
  @Length(1, MAX.text)
  reason?: string;
}

/** POST /accounts/:id/grant and /revoke (security administrator). */
export class AccountRoleDto {
  @ApiProperty({ enum: ACCOUNT_ROLES })
  @IsIn(ACCOUNT_ROLES)
  role: AccountRole;

  @ApiPropertyOptional({ description: 'with the unit role: the unit it acts for' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  unitId?: string;

  @ApiPropertyOptional({ maxLength: MAX.text })
  @IsOptional()
  @IsString()
  @Length(1, MAX.text)
  reason?: string;
}

/** POST /accounts/:id/unit (security administrator): an addition to API.md. */
export class AccountUnitDto {
  @ApiProperty()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  unitId: string;

  @ApiPropertyOptional({ maxLength: MAX.text })
  @IsOptional()
  @IsString()
  @Length(1, MAX.text)
  reason?: string;
}

/** POST /accounts/:id/{lock,unlock,reset-password,close} (security administrator). */
export class AccountReasonDto {
  @ApiPropertyOptional({ maxLength: MAX.text })
  @IsOptional()
  @IsString()
  @Length(1, MAX.text)
  reason?: string;
}

/** GET /accounts[?asOf=&role=&unitId=] (system and security administrators). */
export class AccountsQueryDto extends AsOfQueryDto {
  @ApiPropertyOptional({ enum: ACCOUNT_ROLES, description: 'only the accounts holding this role (then)' })
  @IsOptional()
  @IsIn(ACCOUNT_ROLES)
  role?: AccountRole;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  unitId?: string;
}
