import type { Actor, LedgerEvent } from '@ledger/contracts/events';

/** A business rule that said no: a value, never a thrown error. `code` is stable (API clients see it). */
export interface Rejection {
  readonly kind: 'rejection';
  readonly code: string;
  readonly message: string;
  /** 403-class rejections (who may act) as opposed to 409-class (what the state allows). */
  readonly forbidden?: boolean;
  readonly details?: Record<string, unknown>;
}

export function reject(code: string, message: string, details?: Record<string, unknown>): Rejection {
  return { kind: 'rejection', code, message, details };
}

export function forbid(code: string, message: string, details?: Record<string, unknown>): Rejection {
  return { kind: 'rejection', code, message, forbidden: true, details };
}

export function isRejection(x: unknown): x is Rejection {
  return typeof x === 'object' && x !== null && (x as Rejection).kind === 'rejection';
}

export type Decision<E extends LedgerEvent = LedgerEvent> = E[] | Rejection;

/** Every command carries who acts and when; the domain has no clock of its own. */
export interface CommandContext {
  actor: Actor;
  /** ISO-8601 instant of the request. */
  now: string;
  /** The county-local date (Asia/Shanghai) of `now`, `YYYY-MM-DD`. */
  today: string;
}

export interface Decider<C, S, E extends LedgerEvent = LedgerEvent> {
  initialState(): S;
  decide(command: C, state: S): Decision<E>;
  evolve(state: S, event: E): S;
}
