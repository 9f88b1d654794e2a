import type { ActorRole } from '@ledger/contracts/events';
import type { CommandContext, Rejection } from './decider';
import { deny, refuse } from './rejections';

/** Policies answer `undefined` when they allow, so that `a() ?? b() ?? events` reads as the rule list. */
export type Verdict = Rejection | undefined;

export function roleMayAct(context: CommandContext, allowed: readonly ActorRole[]): Verdict {
  const role = context.actor.role;
  // A version 1 `admin` token acts as the system administrator (三员).
  return allowed.includes(role) || (role === 'admin' && allowed.includes('sysadmin'))
    ? undefined
    : refuse('ROLE_NOT_ALLOWED', { role: context.actor.role, allowed: [...allowed] });
}

/** A unit user acts only inside its own subtree; the application resolves that and hands it over. */
export function withinActorScope(context: CommandContext, inActorScope: boolean | undefined): Verdict {
  if (context.actor.role !== 'unit') return undefined;
  return inActorScope === true ? undefined : refuse('OUT_OF_SCOPE', { actorUnitId: context.actor.unitId });
}

const LOCAL_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** County dates are `YYYY-MM-DD`, so string order is date order once the shape is right. */
export function isLocalDate(value: unknown): value is string {
  return typeof value === 'string' && LOCAL_DATE.test(value);
}

export function validDate(field: string, value: unknown): Verdict {
  return isLocalDate(value) ? undefined : deny('INVALID_DATE', { field, value });
}

export function present(value: unknown): boolean {
  return typeof value === 'string' && value.trim().length > 0;
}

export function reasonGiven(reason: unknown): Verdict {
  return present(reason) ? undefined : deny('REASON_REQUIRED');
}

/** Facts the application resolves about another aggregate before it calls a decider. */
export interface UnitFacts {
  exists: boolean;
  dissolved: boolean;
}

export interface CadreFacts {
  exists: boolean;
  left: boolean;
}

/** The exhaustiveness check of every command switch: a new command type without a case fails to compile. */
export function unreachable(x: never): never {
  throw new Error(`unknown command ${JSON.stringify(x)}`);
}
