import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { openSqliteEventStore, type EventStore, type NewEvent, type StoredEvent } from '@ledger/event-store';
import { AccountSubs } from './account-subs';

const event = (type: string): NewEvent => ({ id: randomUUID(), type, schemaVersion: 1, data: {}, metadata: {} });

describe('AccountSubs: whether a ledger token sub names an account', () => {
  let dir: string;
  let store: EventStore;
  let other: EventStore;
  let now = 0;
  let handed: StoredEvent[];
  let reads: string[];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'account-subs-'));
    const file = path.join(dir, 'events.sqlite');
    store = await openSqliteEventStore({ file, synchronous: 'NORMAL' });
    // Another process on the same ledger (`ledger account`, another API instance).
    other = await openSqliteEventStore({ file, synchronous: 'NORMAL' });
    handed = [];
    reads = [];
    const subscribe = store.subscribe.bind(store);
    store.subscribe = (handler, options) => subscribe((events) => (handed.push(...events), handler(events)), options);
    const readStream = store.readStream.bind(store);
    store.readStream = (stream, ...rest) => (reads.push(stream), readStream(stream, ...rest));
  });
  afterEach(async () => {
    await other.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is handed no event of other streams while 100 item events are appended, and reads a no once while trusted', async () => {
    const subs = new AccountSubs(store, () => now, 30_000);
    expect(await subs.namesAccount('bot')).toBe(false);
    for (let i = 0; i < 100; i++) await store.append(`item-${i}`, [event('ItemIssued')], 'no_stream');
    for (let i = 0; i < 10; i++) expect(await subs.namesAccount('bot')).toBe(false);
    now += 29_999;
    expect(await subs.namesAccount('bot')).toBe(false);
    expect(handed).toEqual([]);
    expect(reads).toEqual(['account-bot']);
  });

  it('honours an account another process opens once the no has aged, and keeps the yes without reading again', async () => {
    const subs = new AccountSubs(store, () => now, 30_000);
    expect(await subs.namesAccount('late')).toBe(false);
    await other.append('account-late', [event('AccountOpened')], 'no_stream');
    expect(await subs.namesAccount('late')).toBe(false);
    now += 30_000;
    expect(await subs.namesAccount('late')).toBe(true);
    now += 10 * 30_000;
    expect(await subs.namesAccount('late')).toBe(true);
    expect(reads).toEqual(['account-late', 'account-late']);
  });

  it('honours an account this process opens at once, and reads again when the clock is set back', async () => {
    const subs = new AccountSubs(store, () => now, 30_000);
    expect(await subs.namesAccount('here')).toBe(false);
    expect(await subs.namesAccount('back')).toBe(false);
    await store.append('account-here', [event('AccountOpened')], 'no_stream');
    subs.opened('here');
    expect(await subs.namesAccount('here')).toBe(true);
    now -= 1;
    expect(await subs.namesAccount('back')).toBe(false);
    expect(reads).toEqual(['account-here', 'account-back', 'account-back']);
  });
});
