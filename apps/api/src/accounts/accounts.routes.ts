import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccountReasonDto, AccountRoleDto, AccountsQueryDto, AccountUnitDto, CommandResultDto, OpenAccountDto } from '@ledger/contracts';
import { accountsAt, accountsNow, ReadQueries, type AccountAsOfView, type AccountView } from '@ledger/read-models';
import type { Response } from 'express';
import { noteAccess, recordAccessAhead } from '../access-audit/access-audit.middleware';
import { ApiKeys } from '../auth/api-keys/api-keys.service';
import { CurrentActor } from '../auth/current-actor.decorator';
import { Roles } from '../auth/roles.decorator';
import type { ApiKeyRecord } from '@ledger/application';
import type { Actor } from '@ledger/contracts/events';
import { Meta, type CommandMeta } from '../command-path/command-meta';
import type { CommandResult } from '../problem-details/command-outcome';
import { IdPipe } from '../command-path/id.pipe';
import { AsOfCuts } from '../inspection/as-of/as-of';
import { ApiCommandErrors } from '../problem-details/openapi';
import { AccountCommands, type WithPassword } from './account-commands.service';

/**
 * 账号 (issue 16, API.md "Version 2 additions"). 三员: the system administrator opens accounts; the
 * security administrator does every later grant, revocation, unit change, lock, unlock, reset and
 * close; both read the list. The audit administrator does none of it.
 */
@ApiTags('accounts')
@Controller('accounts')
export class AccountsRoute {
  constructor(
    private readonly accounts: AccountCommands,
    private readonly queries: ReadQueries,
    private readonly asOf: AsOfCuts,
    private readonly apiKeys: ApiKeys,
  ) {}

  @Get(':id/keys')
  @Roles('secadmin')
  @ApiOperation({ summary: '密钥: the API keys of an account (`ledger token --account`), never their secrets (an addition to API.md)' })
  keys(@Param('id', IdPipe) id: string): Promise<ApiKeyRecord[]> {
    return this.apiKeys.list(id);
  }

  @Post(':id/keys/:keyId/revoke')
  @HttpCode(200)
  @Roles('secadmin')
  @ApiOperation({ summary: '吊销密钥: the key answers 401 from the next request on (an addition to API.md)' })
  async revokeKey(
    @Param('id', IdPipe) id: string,
    @Param('keyId', IdPipe) keyId: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ApiKeyRecord> {
    noteAccess(res, { action: 'api-key-revoked', detail: { account: id, apiKey: keyId } });
    return this.apiKeys.revoke(id, keyId, actor.userId, () => recordAccessAhead(res));
  }

  @Post()
  @Roles('sysadmin')
  @ApiOperation({ summary: '开设账号: open an account with its roles; answers a one-time password, once' })
  @ApiCreatedResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  open(@Body() body: OpenAccountDto, @Meta() meta: CommandMeta): Promise<WithPassword<CommandResult>> {
    return this.accounts.open(body, meta);
  }

  @Post(':id/grant')
  @HttpCode(200)
  @Roles('secadmin')
  @ApiOperation({ summary: '授予角色: grant a role (the unit role with its unitId)' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  grant(@Param('id', IdPipe) id: string, @Body() body: AccountRoleDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.accounts.grant(id, body, meta);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @Roles('secadmin')
  @ApiOperation({ summary: '撤销角色: revoke a role' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  revoke(@Param('id', IdPipe) id: string, @Body() body: AccountRoleDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.accounts.revoke(id, body, meta);
  }

  @Post(':id/unit')
  @HttpCode(200)
  @Roles('secadmin')
  @ApiOperation({ summary: '调整所属单位: bind the account to another unit (an addition to API.md)' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  changeUnit(@Param('id', IdPipe) id: string, @Body() body: AccountUnitDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.accounts.changeUnit(id, body, meta);
  }

  @Post(':id/lock')
  @HttpCode(200)
  @Roles('secadmin')
  @ApiOperation({ summary: '锁定账号' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  lock(@Param('id', IdPipe) id: string, @Body() body: AccountReasonDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.accounts.lock(id, body.reason, meta);
  }

  @Post(':id/unlock')
  @HttpCode(200)
  @Roles('secadmin')
  @ApiOperation({ summary: '解锁账号' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  unlock(@Param('id', IdPipe) id: string, @Body() body: AccountReasonDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.accounts.unlock(id, body.reason, meta);
  }

  @Post(':id/reset-password')
  @HttpCode(200)
  @Roles('secadmin')
  @ApiOperation({ summary: '重置密码: a new one-time password, answered once' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  resetPassword(@Param('id', IdPipe) id: string, @Body() body: AccountReasonDto, @Meta() meta: CommandMeta): Promise<WithPassword<CommandResult>> {
    return this.accounts.resetPassword(id, body.reason, meta);
  }

  @Post(':id/close')
  @HttpCode(200)
  @Roles('secadmin')
  @ApiOperation({ summary: '注销账号' })
  @ApiOkResponse({ type: CommandResultDto })
  @ApiCommandErrors()
  close(@Param('id', IdPipe) id: string, @Body() body: AccountReasonDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.accounts.close(id, body.reason, meta);
  }

  @Get()
  @Roles('sysadmin', 'secadmin')
  @ApiOperation({ summary: '账号: the accounts now, or as of an instant (who held which role then); never a secret' })
  async list(@Query() query: AccountsQueryDto): Promise<AccountView[] | AccountAsOfView[]> {
    // As every query: wait (at most 5 s, then 503) for the read models to include minPosition.
    if (query.minPosition) await this.queries.ensurePosition(BigInt(query.minPosition), 5000);
    const cut = await this.asOf.cut(query.asOf);
    const filter = { role: query.role, unitId: query.unitId };
    const ds = this.queries.dataSource;
    return cut ? accountsAt(ds, cut.position, filter) : accountsNow(ds, filter);
  }
}
