import type { ActorRole } from '@ledger/contracts/events';
import type { CommandContext } from './shared/decider';

/** A command context for specs: who acts, on which county date (noon, +08:00). */
export function contextFor(role: ActorRole, options: { today?: string; unitId?: string | null; userId?: string } = {}): CommandContext {
  const today = options.today ?? '2026-03-10';
  return {
    actor: { userId: options.userId ?? `${role}-user`, role, unitId: options.unitId ?? (role === 'unit' ? 'u-village' : null) },
    now: `${today}T12:00:00+08:00`,
    today,
  };
}
