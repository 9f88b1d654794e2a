import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import {
  AccountCommands as AccountUseCases,
  CommandLoop,
  CredentialsStore,
  Facts,
  type CommandMeta,
  type OpenAccountInput,
  type SessionEnder,
  type WithPassword,
} from '@ledger/application';
import type { CommandResult } from '@ledger/contracts/http/views';
import { AccountSubs } from '../auth/account-subs';
import { answer } from '../problem-details/command-outcome';

export type { OpenAccountInput, SessionEnder, WithPassword } from '@ledger/application';

/** The SessionEnder of the API: sign-in's SignInService. */
export const SESSION_ENDER = Symbol('SESSION_ENDER');

/** The account commands of @ledger/application as the API provides them: refusals answered as problems, the credentials closed at shutdown. */
@Injectable()
export class AccountCommands extends AccountUseCases implements OnApplicationShutdown {
  constructor(
    loop: CommandLoop,
    facts: Facts,
    @Inject(CredentialsStore) credentials: CredentialsStore,
    private readonly accountSubs: AccountSubs,
    @Optional() @Inject(SESSION_ENDER) sessions?: SessionEnder,
  ) {
    super(loop, facts, credentials, sessions, answer);
  }

  /** The guard hears of an account opened here at once: a `ledger token` with its id as sub is no machine client from now on. */
  override async open(body: OpenAccountInput, meta: CommandMeta, password?: string): Promise<WithPassword<CommandResult>> {
    const opened = await super.open(body, meta, password);
    this.accountSubs.opened(opened.id);
    return opened;
  }

  onApplicationShutdown(): Promise<void> {
    return this.credentials.close();
  }
}
