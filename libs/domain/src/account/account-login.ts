import { STREAM_PREFIX, type EventOf } from '@ledger/contracts/events';
import type { CommandContext, Decider, Decision } from '../shared/decider';
import { roleMayAct, unreachable } from '../shared/policies';
import { deny } from '../shared/rejections';
import { ACCOUNT_OPENERS, normalLogin } from './account';

export type AccountLoginEvent = EventOf<'AccountLoginClaimed'>;

/**
 * The claim stream of one login name, lower case. The application appends the claim with expected
 * revision `no_stream` before it opens the account, so two accounts racing for one login cannot both
 * win; the loser reads the stream and gets ACCOUNT_LOGIN_TAKEN. A closed account keeps its login:
 * an audit trail naming it names one person.
 */
export const accountLoginStream = (login: string): string => STREAM_PREFIX.accountLogin + normalLogin(login);

export interface ClaimAccountLogin {
  type: 'ClaimAccountLogin';
  context: CommandContext;
  data: { login: string; accountId: string };
}
export type AccountLoginCommand = ClaimAccountLogin;
export const ACCOUNT_LOGIN_COMMAND_TYPES = ['ClaimAccountLogin'] as const;

export type AccountLoginState = { status: 'unclaimed' } | { status: 'claimed'; login: string; accountId: string };

export const initialAccountLoginState = (): AccountLoginState => ({ status: 'unclaimed' });

export function decideAccountLogin(command: AccountLoginCommand, state: AccountLoginState): Decision<AccountLoginEvent> {
  switch (command.type) {
    case 'ClaimAccountLogin': {
      const { login, accountId } = command.data;
      const who = command.context.actor.role === 'system' ? undefined : roleMayAct(command.context, ACCOUNT_OPENERS);
      if (who) return who;
      if (state.status === 'claimed') {
        // The same account claiming again is a retry (the account append failed after the claim): no-op.
        return state.accountId === accountId ? [] : deny('ACCOUNT_LOGIN_TAKEN', { login: state.login });
      }
      return [{ type: 'AccountLoginClaimed', data: { login: normalLogin(login), accountId } }];
    }
    default:
      return unreachable(command.type);
  }
}

export function evolveAccountLogin(state: AccountLoginState, event: AccountLoginEvent): AccountLoginState {
  return event.type === 'AccountLoginClaimed' && state.status === 'unclaimed' ? { status: 'claimed', ...event.data } : state;
}

export const accountLoginDecider: Decider<AccountLoginCommand, AccountLoginState, AccountLoginEvent> = {
  initialState: initialAccountLoginState,
  decide: decideAccountLogin,
  evolve: evolveAccountLogin,
};
