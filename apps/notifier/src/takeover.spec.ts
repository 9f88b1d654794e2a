import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { eventually } from '@ledger/platform/testing/eventually';
import { openReadModels } from '@ledger/read-models';
import { returnStolenLeases, stealLeases } from '@ledger/read-models/generations/switch';
import { outboxMessage } from '@ledger/read-models/notifications';
import { parseNotifyConfig } from '@ledger/read-models/notifications/routing';
import { EventScript } from '@ledger/read-models/testing/county-script';
import { startNotifier, type RunningNotifier } from './notifier';
import { Receiver } from './testing/receiver';

/**
 * A delivery in flight when the notifier's lease is taken (a rebuild's takeover, another notifier after
 * an expiry): the receiver answers after the takeover, the notifier cannot record it and its lead ends.
 * It must send nothing more under the lost lease: the message goes again once, from the next lead,
 * under its id (at least once). Before, the failed channel worker was started again before the lead saw
 * the failure, and sent the same message a second time with no lease.
 */
describe('the notifier fenced out with a delivery in flight', () => {
  let dir: string;
  let store: EventStore;
  let ds: DataSource;
  let leaseDs: DataSource;
  let live: DataSource;
  let receiver: Receiver;
  let notifier: RunningNotifier | null = null;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notifier-takeover-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    ds = await openReadModels({ dataDir: dir, readDbUrl: null });
    leaseDs = await openReadModels({ dataDir: dir, readDbUrl: null });
    live = await openReadModels({ dataDir: dir, readDbUrl: null });
    receiver = await Receiver.start('slow');
  });
  afterAll(async () => {
    await notifier?.stop();
    await receiver.close();
    for (const d of [ds, leaseDs, live]) await d.destroy();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends nothing more once fenced out; the next lead sends the message again once, under its id', async () => {
    const config = parseNotifyConfig(
      JSON.stringify({
        link: 'https://ledger.example.gov.cn',
        delivery: { maxAttempts: 5, backoffMs: 10, maxBackoffMs: 100, timeoutMs: 120_000 },
        channels: { hook: { type: 'webhook', url: receiver.url('/hook'), secret: 'hook-secret' } },
        routes: [{ roles: ['unit'], channels: ['hook'] }],
      }),
    );
    // Renewed every 2.7 s: its loss is seen by the fence of the delivery's record, not by a renewal; a standby looks every 2 s.
    notifier = await startNotifier(ds, leaseDs, store, { holder: 'notifier', ttlMs: 8000, config: () => config, log: (line) => logs.push(line) });
    await eventually('the notifier leads', () => notifier!.state === 'leader', { explain: () => logs.join('\n') });
    const script = new EventScript(store);
    script.at = new Date().toISOString();
    await script.assign('I1', 'T1', 'K1', '2026-11-10');
    await eventually('the assignment in flight', () => receiver.holding().length === 1, { explain: () => logs.join('\n') });
    const messageId = receiver.holding()[0].headers['idempotency-key'] as string;

    await stealLeases(live, 'ledger rebuild', 60_000);
    receiver.release();
    await eventually('the lead ends', () => logs.some((l) => l.startsWith('standby: lease lost')), { explain: () => logs.join('\n') });
    expect(receiver.received.map((r) => r.headers['idempotency-key'])).toEqual([messageId]);
    expect((await outboxMessage(ds, messageId))!.status).toBe('pending');

    // The lease back (a rebuild that gave up): the next lead sends it again, once, and records it.
    await returnStolenLeases(live, 'ledger rebuild');
    await eventually('delivered again and recorded', async () => (await outboxMessage(ds, messageId))?.status === 'delivered', {
      explain: () => logs.join('\n'),
    });
    expect(receiver.received.map((r) => r.headers['idempotency-key'])).toEqual([messageId, messageId]);
  }, 120_000);
});
