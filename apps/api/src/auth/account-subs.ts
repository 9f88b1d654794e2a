import { accountStream } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';

/** How long a "no account" answer is trusted before the account stream is read again. */
export const ACCOUNT_SUB_NO_TRUST_MS = 30_000;

/**
 * Whether a `ledger token`'s sub names an account (else it is a machine client, labelled so in the access
 * trail): the account's stream is read once per sub, then the answer is kept. Accounts are never deleted,
 * so a yes stays true. A no is told at once by this process's own account opening (`opened`) and read
 * again after `noTrustMs` by the clock: an account opened by another process (`ledger account`, another
 * API instance) is honoured within that time. Nothing is subscribed to, so writes to other streams cost
 * this nothing. Both answers are bounded: past `limit` subs the oldest is forgotten, and asked again.
 */
export class AccountSubs {
  private readonly yes = new Set<string>();
  /** The sub and when its no was read (by `now`). */
  private readonly no = new Map<string, number>();

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly now: () => number,
    private readonly noTrustMs = ACCOUNT_SUB_NO_TRUST_MS,
    private readonly limit = 50_000,
  ) {}

  async namesAccount(id: string): Promise<boolean> {
    if (this.yes.has(id)) return true;
    const at = this.now();
    const age = at - (this.no.get(id) ?? -Infinity);
    // A clock set back (negative age) also ends the trust.
    if (age >= 0 && age < this.noTrustMs) return false;
    if ((await this.store.readStream(accountStream(id), 0, 1)).length) {
      this.opened(id);
      return true;
    }
    // Opened here while the read was under way.
    if (this.yes.has(id)) return true;
    this.forgetOldest(this.no, id);
    this.no.set(id, at);
    return false;
  }

  /** The account `id` exists (this process opened it, or its stream was read). */
  opened(id: string): void {
    this.no.delete(id);
    this.forgetOldest(this.yes, id);
    this.yes.add(id);
  }

  private forgetOldest(kept: Set<string> | Map<string, number>, id: string): void {
    if (kept.size >= this.limit && !kept.has(id)) kept.delete(kept.keys().next().value!);
  }
}
