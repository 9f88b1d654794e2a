import type { LedgerEvent } from '@ledger/contracts/events';
import { isRejection, type Decider, type Rejection } from './decider';

/**
 * given(events).when(command).then(events) / .thenRejects(code): one rule per spec, stated in the
 * domain's own terms. It throws plain Errors (no test-framework import) so that it stays pure.
 *
 *   const given = specFor(itemDecider).given;
 *   given([assigned]).when(acknowledge).then([acknowledged]);
 */
export function specFor<C, S, E extends LedgerEvent>(decider: Decider<C, S, E>) {
  return {
    given(events: readonly E[] = []) {
      const state = events.reduce(decider.evolve, decider.initialState());
      return {
        /** The folded state, for the rare spec about evolve itself. */
        state,
        when(command: C) {
          const decision = decider.decide(command, state);
          return {
            then(expected: readonly E[]): E[] {
              if (isRejection(decision)) fail('expected events, got a rejection', expected, decision);
              if (!deepEqual(decision, expected)) fail('unexpected events', expected, decision);
              return decision as E[];
            },
            thenRejects(code: string, options: { forbidden?: boolean } = {}): Rejection {
              if (!isRejection(decision)) fail(`expected rejection ${code}, got events`, code, decision);
              const rejection = decision as Rejection;
              if (rejection.code !== code) fail('unexpected rejection', code, rejection);
              if (options.forbidden !== undefined && (rejection.forbidden === true) !== options.forbidden) {
                fail(`expected forbidden: ${options.forbidden}`, code, rejection);
              }
              return rejection;
            },
            /** For table-driven specs that only care whether the command passes. */
            decision,
          };
        },
      };
    },
  };
}

function fail(message: string, expected: unknown, actual: unknown): never {
  throw new Error(`${message}\n  expected: ${stable(expected)}\n  actual:   ${stable(actual)}`);
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
