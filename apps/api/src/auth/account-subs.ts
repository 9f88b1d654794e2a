import { STREAM_PREFIX } from '@ledger/contracts/events';
import { accountStream } from '@ledger/domain';
import type { EventStore, StoredEvent, Subscription } from '@ledger/event-store';

/**
 * Whether a `ledger token`'s sub names an account (else it is a machine client, labelled so in the access
 * trail): the account's stream is read once per sub, then the answer is kept. Accounts are never deleted,
 * so a yes stays true. A no stays true until an account is opened with that id, which a watch of the
 * store reports (from this process or any other); the watch starts before the first no is read, so no
 * opening after a read can be missed. Both answers are bounded: past `limit` subs the oldest is forgotten,
 * and asked again.
 */
export class AccountSubs {
  private readonly yes = new Set<string>();
  private readonly no = new Set<string>();
  private watch: Promise<Subscription> | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly limit = 50_000,
  ) {}

  async namesAccount(id: string): Promise<boolean> {
    if (this.yes.has(id)) return true;
    if (this.no.has(id)) return false;
    await this.watching();
    if ((await this.store.readStream(accountStream(id), 0, 1)).length) {
      this.keep(this.yes, id);
      return true;
    }
    // Opened while the read was under way: the watch has said so already.
    if (this.yes.has(id)) return true;
    this.keep(this.no, id);
    return false;
  }

  async stop(): Promise<void> {
    const watch = this.watch;
    this.watch = null;
    this.no.clear();
    const subscription = await watch?.catch(() => null);
    await subscription?.stop().catch(() => undefined);
  }

  private watching(): Promise<Subscription> {
    if (this.watch) return this.watch;
    const started: Promise<Subscription> = this.store.headPosition().then((after) => {
      const subscription = this.store.subscribe((events) => this.opened(events), { after });
      // A watch that fails can no longer vouch for any no: each is asked again, under a new watch.
      subscription.done.catch(() => this.forget(started));
      return subscription;
    });
    started.catch(() => this.forget(started));
    return (this.watch = started);
  }

  private forget(watch: Promise<Subscription>): void {
    if (this.watch !== watch) return;
    this.watch = null;
    this.no.clear();
  }

  /** An account is opened by the first event of its stream. */
  private opened(events: StoredEvent[]): void {
    for (const e of events) {
      if (e.revision !== 0 || !e.stream.startsWith(STREAM_PREFIX.account)) continue;
      const id = e.stream.slice(STREAM_PREFIX.account.length);
      this.no.delete(id);
      this.keep(this.yes, id);
    }
  }

  private keep(set: Set<string>, id: string): void {
    if (set.size >= this.limit) set.delete(set.values().next().value!);
    set.add(id);
  }
}
