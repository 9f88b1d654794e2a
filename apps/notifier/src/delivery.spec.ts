import { createHmac, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { SCHEMA_VERSIONS, STREAM_PREFIX, type Actor, type EventPayloads, type EventType } from '@ledger/contracts/events';
import { openSqliteEventStore, type EventStore } from '@ledger/event-store';
import { eventually } from '@ledger/platform/testing/eventually';
import { openReadModels } from '@ledger/read-models';
import { deadLetters, outboxMessage, replayDeadLetter } from '@ledger/read-models/notifications';
import { NotifyConfigFile } from './config-file';
import { startNotifier, type RunningNotifier } from './notifier';
import { Receiver } from './testing/receiver';

const ORG: Actor = { userId: 'u-org', role: 'org_dept', unitId: null };
const SYSTEM: Actor = { userId: 'system', role: 'system', unitId: null };
const HOOK_SECRET = 'hook-secret-为县委';
const DING_SECRET = 'SECdingtalk-test-secret';

/**
 * The notifier in-process against a real store, real read-model database and real HTTP receivers on
 * 127.0.0.1 (one answers 500, one never answers within the timeout): what each channel sends, in its
 * published format, how failures end in the dead-letter list, and a configuration edited while it runs.
 */
describe('the notifier delivering to real receivers', () => {
  let dir: string;
  let store: EventStore;
  let ds: DataSource;
  let leaseDs: DataSource;
  let notifier: RunningNotifier | null = null;
  const receivers: Record<string, Receiver> = {};
  const logs: string[] = [];
  let configFile: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notifier-'));
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    ds = await openReadModels({ dataDir: dir, readDbUrl: null });
    leaseDs = await openReadModels({ dataDir: dir, readDbUrl: null });
    for (const name of ['hook', 'ding', 'wecom', 'sms', 'hook2']) receivers[name] = await Receiver.start('ok');
    receivers.failing = await Receiver.start('fail');
    receivers.slow = await Receiver.start('slow');
    configFile = path.join(dir, 'notify.json');
  });
  afterAll(async () => {
    await notifier?.stop();
    for (const r of Object.values(receivers)) await r.close();
    await ds.destroy();
    await leaseDs.destroy();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const config = (routes: unknown[]) => ({
    link: 'https://ledger.example.gov.cn/',
    // Generous for the receivers that answer (a loaded machine), still beaten by the one that never does.
    delivery: { maxAttempts: 3, backoffMs: 20, maxBackoffMs: 200, timeoutMs: 2000 },
    channels: {
      hook: { type: 'webhook', url: receivers.hook.url('/hook'), secret: HOOK_SECRET },
      hook2: { type: 'webhook', url: receivers.hook2.url('/hook'), secret: HOOK_SECRET },
      ding: { type: 'dingtalk', url: receivers.ding.url('/robot/send?access_token=abc'), secret: DING_SECRET },
      wecom: { type: 'wecom', url: receivers.wecom.url('/cgi-bin/webhook/send?key=k1') },
      sms: {
        type: 'sms',
        url: receivers.sms.url('/sms'),
        to: ['13800000001', '13800000002'],
        headers: { 'X-Api-Key': 'gw-key' },
        template: { mobiles: '{{to}}', content: '{{text}}', ref: '{{id}}' },
      },
      failing: { type: 'webhook', url: receivers.failing.url('/'), secret: 'x' },
      slow: { type: 'webhook', url: receivers.slow.url('/'), secret: 'x' },
    },
    routes,
  });

  /** A receiver's requests, the first of each id: a request the notifier gave up waiting for is sent again with its id. */
  const firsts = (name: string) => {
    const seen = new Set<unknown>();
    return receivers[name].received.filter((r) => !seen.has(r.headers['idempotency-key']) && seen.add(r.headers['idempotency-key']));
  };

  async function append<K extends EventType>(type: K, data: EventPayloads[K], actor: Actor = ORG): Promise<string> {
    const id = randomUUID();
    const stream = STREAM_PREFIX.item + (data as { itemId: string }).itemId;
    await store.append(stream, [{ id, type, schemaVersion: SCHEMA_VERSIONS[type], data, metadata: { actor, correlationId: id, causationId: id } }], 'any');
    return id;
  }
  const assign = (itemId: string, unitId: string, leaderId: string | null, dueDate = '2026-11-10') =>
    append('ItemAssigned', {
      itemId,
      sheetId: 's1',
      title: `事项 ${itemId}`,
      requirements: '按期办结',
      unitId,
      supportUnitIds: [],
      cadreId: 'K1',
      leaderId,
      dueDate,
    });

  it('delivers each channel in its own format, signs what it says it signs, and parks failures as dead letters an administrator replays', async () => {
    fs.writeFileSync(
      configFile,
      JSON.stringify(
        config([
          { roles: ['unit'], units: ['T1'], channels: ['hook', 'ding', 'wecom'] },
          { roles: ['leader'], channels: ['sms'] },
          { roles: ['inspector'], channels: ['failing'] },
          { roles: ['discipline'], channels: ['slow'] },
        ]),
      ),
    );
    const file = new NotifyConfigFile(configFile, (line) => logs.push(line));
    notifier = await startNotifier(ds, leaseDs, store, {
      holder: 'test',
      ttlMs: 2000,
      batchSize: 50,
      config: () => file.current(),
      log: (line) => logs.push(line),
    });
    let failure: unknown = null;
    notifier.done.catch((e: unknown) => (failure = e));
    const explain = () =>
      `${String(failure)}\n${logs.join('\n')}\nreceived: ${Object.entries(receivers)
        .map(([n, r]) => `${n} ${r.received.length}`)
        .join(', ')}`;
    await eventually('the notifier leads', () => notifier!.state === 'leader', { explain });

    await assign('I1', 'T1', 'L1');
    await append('DeadlineMissed', { itemId: 'I1', dueDate: '2026-11-10' }, SYSTEM);
    await append('CompletionReported', { itemId: 'I1', summary: '已整改完毕', evidence: [] });
    await append('AccountabilityDecided', {
      itemId: 'I1',
      decisionId: 'D1',
      target: { kind: 'unit', id: 'T1' },
      form: 'circulated_criticism',
      dispositionForm: null,
      decidedBy: '县纪委监委',
      decidedOn: '2026-11-20',
      documentNo: '湟纪发〔2026〕3号',
      effectMonths: null,
      reason: '逾期未办结',
    });
    await eventually(
      'every receiver that answers got its messages',
      () => firsts('hook').length === 2 && firsts('ding').length === 2 && firsts('wecom').length === 2 && firsts('sms').length === 1,
      { explain },
    );

    // Generic webhook: JSON, HMAC-SHA256 over "<timestamp>.<body>" recomputed here, the id in Idempotency-Key.
    const [assigned, overdue] = firsts('hook');
    const body = JSON.parse(assigned.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      kind: 'assigned',
      event: 'ItemAssigned',
      itemId: 'I1',
      audience: 'unit:T1',
      title: '【交办】事项 I1',
      link: 'https://ledger.example.gov.cn/items/I1',
      dueDate: '2026-11-10',
    });
    expect(assigned.headers['idempotency-key']).toBe(body.id);
    const ts = String(assigned.headers['x-ledger-timestamp']);
    expect(ts).toMatch(/^\d{13}$/);
    expect(assigned.headers['x-ledger-signature']).toBe(`sha256=${createHmac('sha256', HOOK_SECRET).update(`${ts}.${assigned.body}`).digest('hex')}`);
    expect(assigned.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(overdue.body)).toMatchObject({ kind: 'overdue', title: '【逾期】事项 I1' });

    // DingTalk robot: msgtype markdown {title, text}; 加签 recomputed here from the timestamp it sent.
    for (const r of firsts('ding')) {
      const url = new URL(r.url, 'http://x');
      expect(url.pathname).toBe('/robot/send');
      expect(url.searchParams.get('access_token')).toBe('abc');
      const timestamp = url.searchParams.get('timestamp')!;
      expect(url.searchParams.get('sign')).toBe(createHmac('sha256', DING_SECRET).update(`${timestamp}\n${DING_SECRET}`).digest('base64'));
      // The raw query carries the base64 URL-encoded (+ / = would otherwise be read wrong).
      expect(r.url).not.toMatch(/sign=[^&]*[+/=]/);
    }
    const ding = firsts('ding').map((r) => JSON.parse(r.body) as { msgtype: string; markdown: { title: string; text: string } });
    expect(ding[0]).toEqual({
      msgtype: 'markdown',
      markdown: {
        title: '【交办】事项 I1',
        text: '### 【交办】事项 I1\n\n按期办结\n\n完成时限：2026-11-10\n\n请及时签收办理。\n\n[查看事项](https://ledger.example.gov.cn/items/I1)',
      },
    });
    // WeCom robot: msgtype markdown {content}.
    expect(JSON.parse(firsts('wecom')[1].body)).toEqual({
      msgtype: 'markdown',
      markdown: { content: '### 【逾期】事项 I1\n\n完成时限 2026-11-10 已过，事项尚未办结。\n\n[查看事项](https://ledger.example.gov.cn/items/I1)' },
    });
    // SMS gateway: the county's template filled in, its key header sent.
    const [sms] = firsts('sms');
    expect(sms.headers['x-api-key']).toBe('gw-key');
    expect(JSON.parse(sms.body)).toEqual({
      mobiles: '13800000001,13800000002',
      content: '【逾期】事项 I1 完成时限 2026-11-10 已过，事项尚未办结。 https://ledger.example.gov.cn/items/I1',
      ref: sms.headers['idempotency-key'],
    });

    // The receiver that fails and the one that never answers: three attempts each, then the dead-letter list.
    await eventually('both failing messages are dead letters', async () => (await deadLetters(ds)).length === 2);
    const dead = await deadLetters(ds);
    const byChannel = Object.fromEntries(dead.map((d) => [d.channel, d]));
    expect(byChannel.failing).toMatchObject({ kind: 'awaiting_review', audience: 'inspector', attempts: 3, status: 'dead' });
    expect(byChannel.failing.attemptLog.map((a) => [a.n, a.outcome, a.httpStatus])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'failed', 500],
    ]);
    expect(byChannel.failing.attemptLog[0].error).toBe('HTTP 500: {"error":"down"}');
    expect(byChannel.slow).toMatchObject({ kind: 'accountability', audience: 'discipline', attempts: 3 });
    expect(byChannel.slow.attemptLog.map((a) => [a.outcome, a.httpStatus, a.error])).toEqual(Array(3).fill(['failed', null, 'no answer within 2000 ms']));
    expect(receivers.failing.received.length).toBe(3);
    expect(receivers.slow.received.length).toBe(3);
    expect(logs.some((l) => l.includes(`message ${byChannel.failing.id}`) && l.includes('DEAD after 3 attempt(s)'))).toBe(true);

    // The administrator fixes the receiver and replays: delivered with the same id, on the record.
    receivers.failing.mode = 'ok';
    expect(await replayDeadLetter(ds, byChannel.failing.id)).toBe('replayed');
    notifier.wake();
    await eventually('the replayed message is delivered', async () => (await outboxMessage(ds, byChannel.failing.id))?.status === 'delivered');
    expect(receivers.failing.received.length).toBe(4);
    expect(new Set(receivers.failing.received.map((r) => r.headers['idempotency-key']))).toEqual(new Set([byChannel.failing.id]));
    expect((await deadLetters(ds)).map((d) => d.channel)).toEqual(['slow']);
    // A message sent again (the notifier gave up waiting) is the same message under the same id.
    for (const name of ['hook', 'ding', 'wecom', 'sms']) {
      const bodies = new Map<unknown, string>();
      for (const r of receivers[name].received) {
        const first = bodies.get(r.headers['idempotency-key']);
        if (first === undefined) bodies.set(r.headers['idempotency-key'], r.body);
        else expect(r.body).toBe(first);
      }
    }

    // The county edits the file while it runs. A broken edit is refused, the last good configuration stays.
    fs.writeFileSync(configFile, '{ "channels": { "hook": { "type": "fax" } }, "routes": [');
    await eventually('the broken edit is refused', () => logs.find((l) => l.includes('REFUSED')));
    expect(logs.find((l) => l.includes('REFUSED'))).toMatch(/not JSON/);
    fs.writeFileSync(
      configFile,
      JSON.stringify(
        config([
          { roles: ['unit'], channels: ['hook2'] },
          { roles: ['inspector'], units: ['T1'], channels: ['hook'] },
        ]),
      ).replace('"link"', '"lnk"'),
    );
    await eventually('the invalid edit is refused', () => logs.filter((l) => l.includes('REFUSED')).length === 2);
    expect(logs.filter((l) => l.includes('REFUSED'))[1]).toBe(
      `configuration ${configFile} REFUSED, keeping the last good one: lnk is not a setting (expected link, delivery, retention, channels, routes, bulletins)`,
    );
    await assign('I2', 'T1', null);
    await eventually('I2 goes out by the last good configuration', () => firsts('hook').length === 3);
    expect(JSON.parse(firsts('hook')[2].body)).toMatchObject({ itemId: 'I2', kind: 'assigned' });

    // A good edit applies without a restart: T1's unit now gets hook2 only.
    fs.writeFileSync(configFile, JSON.stringify(config([{ roles: ['unit'], channels: ['hook2'] }])));
    await eventually('the good edit is applied', () => logs.find((l) => l.includes('reloaded: 7 channel(s), 1 route(s)')));
    await assign('I3', 'T1', null);
    await eventually('I3 goes to hook2', () => firsts('hook2').length === 1);
    expect(JSON.parse(firsts('hook2')[0].body)).toMatchObject({ itemId: 'I3' });
    expect(firsts('hook').length).toBe(3);
  }, 120_000);

  it('a channel whose receiver hangs holds back only its own messages', async () => {
    await notifier?.stop();
    const hanging = await Receiver.start('slow');
    receivers.hanging = hanging;
    // The longest timeout there is: a channel that waits on it must not keep the others waiting.
    const c = config([
      { roles: ['unit'], units: ['T9'], channels: ['hanging'] },
      { roles: ['unit'], units: ['T8'], channels: ['hook2'] },
    ]);
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        ...c,
        delivery: { ...c.delivery, timeoutMs: 600_000 },
        channels: { ...c.channels, hanging: { type: 'webhook', url: hanging.url('/'), secret: 'x' } },
      }),
    );
    const file = new NotifyConfigFile(configFile);
    notifier = await startNotifier(ds, leaseDs, store, { holder: 'test-2', ttlMs: 2000, config: () => file.current() });
    const before = firsts('hook2').length;
    await assign('H1', 'T9', null);
    await eventually('the hanging receiver has the first message', () => hanging.received.length === 1);
    await assign('H2', 'T8', null);
    await eventually('the other channel delivers the later message meanwhile', () => firsts('hook2').length === before + 1);
    expect(JSON.parse(firsts('hook2')[before].body)).toMatchObject({ itemId: 'H2' });
    // H1's attempt is still in flight: nothing recorded for it yet.
    const [row] = await ds.query(`SELECT "status", "attempts" FROM "nt_outbox" WHERE "itemId" = 'H1'`);
    expect(row).toEqual({ status: 'pending', attempts: 0 });
    expect(hanging.received.length).toBe(1);
  }, 120_000);
});
