import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { AccountCommands as AccountUseCases, CommandLoop, CredentialsStore, Facts, type SessionEnder } from '@ledger/application';
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
    @Optional() @Inject(SESSION_ENDER) sessions?: SessionEnder,
  ) {
    super(loop, facts, credentials, sessions, answer);
  }

  onApplicationShutdown(): Promise<void> {
    return this.credentials.close();
  }
}
