import type { AccountRole, ActorRank } from '@ledger/contracts/events';
import { accountDecider, accountLoginDecider, accountLoginStream, accountStream, isRejection, type AccountCommand, type CommandContext } from '@ledger/domain';
import type { CommandResult } from '@ledger/contracts/http/views';
import { handleCommand, type CommandLoop, type CommandMeta } from '../handle-command';
import type { Facts } from '../facts';
import { resultOf, type AnswerOutcome } from '../refusal';
import type { CredentialsStore } from './credentials.store';
import { generatePassword } from './password-hash';

export interface OpenAccountInput {
  id?: string;
  login: string;
  name: string;
  phone?: string | null;
  unitId?: string | null;
  roles: readonly string[];
  rank?: ActorRank | null;
  reason?: string | null;
}

export type WithPassword<T> = T & { initialPassword: string };

const NOT_FOUND = { code: 'ACCOUNT_NOT_FOUND', message: '账号不存在' };

/** Ends every session of an account (sign-in's SignInService; the CLI's, on the session table). */
export interface SessionEnder {
  endAllSessions(accountId: string, reason: 'locked' | 'password-reset' | 'closed'): Promise<void>;
}

/**
 * The account commands (issue 16), for the HTTP routes and the `ledger account` CLI alike: each goes
 * through the one command loop, handleCommand (read the account stream, fold, decide, append). A password is set in
 * the credentials table after its event is appended, never put into an event; the one-time password
 * is answered once. A refused command is answered by `answer`: the API's problems, or CommandRefused.
 */
export class AccountCommands {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
    readonly credentials: CredentialsStore,
    private readonly sessions?: SessionEnder,
    private readonly answer: AnswerOutcome = resultOf,
  ) {}

  /**
   * 开设账号. The login is claimed first, on `account_login-<login>` with expected `no_stream`, so two
   * accounts racing for one login cannot both win (ACCOUNT_LOGIN_TAKEN, 409); the account's own rules
   * are checked before the claim, so a refused account never burns its login.
   */
  async open(body: OpenAccountInput, meta: CommandMeta, password?: string): Promise<WithPassword<CommandResult>> {
    const accountId = body.id ?? this.loop.newId(meta);
    const unitId = body.unitId ?? null;
    const open = async (context: CommandContext): Promise<AccountCommand> => ({
      type: 'OpenAccount',
      context,
      data: {
        accountId,
        login: body.login,
        name: body.name,
        phone: body.phone ?? null,
        unitId,
        roles: body.roles,
        rank: body.rank ?? null,
        reason: body.reason ?? null,
      },
      facts: { unit: unitId ? await this.facts.unit(unitId) : undefined },
    });
    const account = await this.loop.fold(accountStream(accountId), accountDecider);
    const retry = account.events.some((e) => e.id === this.loop.eventId(meta, accountStream(accountId), 0));
    if (!retry) {
      const precheck = accountDecider.decide(await open(this.loop.context(meta)), account.state);
      if (isRejection(precheck)) this.answer({ kind: 'rejected', rejection: precheck });
    }
    this.answer(
      await handleCommand(
        this.loop,
        {
          name: 'ClaimAccountLogin',
          stream: accountLoginStream(body.login),
          decider: accountLoginDecider,
          mode: 'create',
          id: body.login,
          retryOnConflict: true,
          build: (_, context) => ({ type: 'ClaimAccountLogin' as const, context, data: { login: body.login, accountId } }),
        },
        meta,
      ),
    );
    const result = this.answer(
      await handleCommand(
        this.loop,
        { name: 'OpenAccount', stream: accountStream(accountId), decider: accountDecider, mode: 'create', id: accountId, build: (_, context) => open(context) },
        meta,
      ),
    );
    const initialPassword = password ?? generatePassword();
    await this.credentials.setPassword(accountId, initialPassword, { mustChange: true, now: this.loop.context(meta).now });
    return { ...result, initialPassword };
  }

  grant(accountId: string, body: { role: AccountRole; unitId?: string | null; reason?: string | null }, meta: CommandMeta): Promise<CommandResult> {
    const unitId = body.unitId ?? null;
    return this.run(accountId, meta, 'GrantAccountRole', async (context) => ({
      type: 'GrantAccountRole',
      context,
      data: { accountId, role: body.role, unitId, reason: body.reason ?? null },
      facts: { unit: unitId ? await this.facts.unit(unitId) : undefined },
    }));
  }

  revoke(accountId: string, body: { role: AccountRole; reason?: string | null }, meta: CommandMeta): Promise<CommandResult> {
    return this.run(accountId, meta, 'RevokeAccountRole', (context) => ({
      type: 'RevokeAccountRole',
      context,
      data: { accountId, role: body.role, reason: body.reason ?? null },
    }));
  }

  changeUnit(accountId: string, body: { unitId: string; reason?: string | null }, meta: CommandMeta): Promise<CommandResult> {
    return this.run(accountId, meta, 'ChangeAccountUnit', async (context) => ({
      type: 'ChangeAccountUnit',
      context,
      data: { accountId, unitId: body.unitId, reason: body.reason ?? null },
      facts: { unit: await this.facts.unit(body.unitId) },
    }));
  }

  async lock(accountId: string, reason: string | null | undefined, meta: CommandMeta): Promise<CommandResult> {
    const result = await this.run(accountId, meta, 'LockAccount', (context) => ({ type: 'LockAccount', context, data: { accountId, reason: reason ?? null } }));
    // 退出所有会话: a locked account's tokens stop working at once, not when they expire.
    await this.sessions?.endAllSessions(accountId, 'locked');
    return result;
  }

  async unlock(accountId: string, reason: string | null | undefined, meta: CommandMeta): Promise<CommandResult> {
    const result = await this.run(accountId, meta, 'UnlockAccount', (context) => ({
      type: 'UnlockAccount',
      context,
      data: { accountId, reason: reason ?? null },
    }));
    // An unlock also ends a lock-out after failed sign-ins.
    await this.credentials.setLockedUntil(accountId, null, this.loop.context(meta).now);
    return result;
  }

  async close(accountId: string, reason: string | null | undefined, meta: CommandMeta): Promise<CommandResult> {
    const result = await this.run(accountId, meta, 'CloseAccount', (context) => ({
      type: 'CloseAccount',
      context,
      data: { accountId, reason: reason ?? null },
    }));
    await this.sessions?.endAllSessions(accountId, 'closed');
    return result;
  }

  /** 重置密码: a new one-time password, answered once; the event says only that it was reset. */
  async resetPassword(accountId: string, reason: string | null | undefined, meta: CommandMeta): Promise<WithPassword<CommandResult>> {
    const result = await this.run(accountId, meta, 'ResetAccountPassword', (context) => ({
      type: 'ResetAccountPassword',
      context,
      data: { accountId, reason: reason ?? null },
    }));
    const initialPassword = generatePassword();
    await this.credentials.setPassword(accountId, initialPassword, { mustChange: true, now: this.loop.context(meta).now });
    await this.sessions?.endAllSessions(accountId, 'password-reset');
    return { ...result, initialPassword };
  }

  /**
   * The holder sets the account's own password (the sign-in service's change at the first sign-in): the
   * event says only that it was changed. The password policy (length, the last five) is the caller's.
   */
  async changeOwnPassword(accountId: string, password: string, meta: CommandMeta): Promise<CommandResult> {
    const result = await this.run(accountId, meta, 'ChangeOwnPassword', (context) => ({ type: 'ChangeOwnPassword', context, data: { accountId } }));
    await this.credentials.setPassword(accountId, password, { mustChange: false, now: this.loop.context(meta).now });
    return result;
  }

  private run(
    accountId: string,
    meta: CommandMeta,
    name: AccountCommand['type'],
    build: (context: CommandContext) => AccountCommand | Promise<AccountCommand>,
  ): Promise<CommandResult> {
    return handleCommand(
      this.loop,
      {
        name,
        stream: accountStream(accountId),
        decider: accountDecider,
        mode: 'existing',
        id: accountId,
        notFound: NOT_FOUND,
        build: (_, context) => build(context),
      },
      meta,
    ).then(this.answer);
  }
}
