/**
 * Issue 19, "Done when": a small county runs November 2026 on a moved clock (never slept). The deadline
 * process runs at 00:30 every county day, the notifier runs in-process on the same clock and delivers to
 * real HTTP receivers on 127.0.0.1: each message arrives once (counted by hand), the ladder escalates on
 * the days worked out by hand, the monthly bulletin is delivered once on December 1st with figures equal
 * to the API's as of its checkpoint, and the inspectors' failing receiver leaves a dead letter that the
 * system administrator replays.
 */
import type { StoredEvent } from '@ledger/event-store';
import { eventually } from '@ledger/platform/testing/eventually';
import { DeadlineWorker } from '../apps/api/src/deadlines/deadline-worker';
import type { RunningNotifier } from '../apps/notifier/src/notifier';
import type { Receiver } from '../apps/notifier/src/testing/receiver';
import { parseNotifyConfig } from '../libs/read-models/src/notifications';
import { readZipText, wordText } from '../libs/sheets-io/src/testing/zip-entry';
import { API, nineAm } from './support/ledger';
import { startNotifierCounty, type NotifierCounty } from './support/notifier-county';

const halfPastMidnight = (date: string) => new Date(Date.parse(`${date}T00:30:00+08:00`)).toISOString();
/** The county date of a recorded instant, by hand: UTC plus eight hours. */
const countyDay = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10);
const binary = (res: NodeJS.ReadableStream, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe('a county runs a month (issue 19, done when)', () => {
  let county: NotifierCounty<'t1' | 't2' | 'review' | 'county'>;

  beforeAll(async () => {
    county = await startNotifierCounty('2026-11-02', { t1: 'ok', t2: 'ok', county: 'ok', review: 'fail' });
  }, 120_000);
  afterAll(async () => {
    await county?.close();
  }, 60_000);

  /** Distinct Idempotency-Keys a receiver got, failing on any repeat. */
  const ids = (x: Receiver) => {
    const keys = x.received.map((q) => String(q.headers['idempotency-key']));
    return { keys, distinct: new Set(keys).size };
  };

  it('delivers each message once, escalates on the right days, sends the bulletin once and replays a dead letter', async () => {
    const { ledger, store, settle, explain, logs, receivers: r } = county;
    const config = parseNotifyConfig(
      JSON.stringify({
        link: 'https://ledger.huangyuan.gov.cn',
        delivery: { maxAttempts: 2, backoffMs: 1000, maxBackoffMs: 1000, timeoutMs: 10_000 },
        channels: {
          t1: { type: 'webhook', url: r.t1.url('/t1'), secret: 't1-secret' },
          t2: { type: 'wecom', url: r.t2.url('/cgi-bin/webhook/send?key=t2') },
          review: { type: 'wecom', url: r.review.url('/cgi-bin/webhook/send?key=review') },
          county: { type: 'dingtalk', url: r.county.url('/robot/send?access_token=county') },
        },
        routes: [
          { roles: ['unit'], units: ['T1'], channels: ['t1'] },
          { roles: ['unit'], units: ['T2'], channels: ['t2'] },
          { roles: ['inspector'], channels: ['review'] },
        ],
        bulletins: { monthly: { day: 1, channels: ['county'] } },
      }),
    );
    const clock = ledger.clock;
    let notifier: RunningNotifier = await county.startNotifier('month', () => config);
    await eventually('the notifier leads', () => notifier.state === 'leader', { explain });

    const { inspector } = county;
    await county.seed({ number: '湟组交〔2026〕11号', title: '11月任务', issuedOn: '2026-11-02' });
    await county.assign('I1', 'T1', 'K1', '2026-11-05');
    await county.assign('I2', 'T2', 'K2', '2026-11-20');

    const acts: Record<string, () => Promise<unknown>> = {
      '2026-11-03': () => ledger.as('unit', 'T2').post('/items/I2/acknowledge', {}, 200),
      '2026-11-10': () => ledger.as('unit', 'T2').post('/items/I2/complete', { summary: '已完成' }, 200),
      '2026-11-11': () => inspector.post('/items/I2/conclude', {}, 200),
    };
    for (let d = 3; d <= 31; d++) {
      const date = d <= 30 ? `2026-11-${String(d).padStart(2, '0')}` : '2026-12-01';
      clock.set(halfPastMidnight(date));
      await settle();
      await ledger.app.get(DeadlineWorker).runOnce();
      clock.set(nineAm(date));
      await acts[date]?.();
    }
    await settle();
    const events: StoredEvent[] = await store.readAll({ after: 0n, limit: 1_000_000 });

    // The ladder (0 / 3 / 7 / 15 days after the due date): I1, due 11-05, never reported; I2 reported before its due date.
    const escalations = events
      .filter((e) => e.type === 'ItemEscalated')
      .map((e) => [(e.data as { itemId: string }).itemId, countyDay(e.recordedAt), (e.data as { level: string }).level]);
    expect(escalations).toEqual([
      ['I1', '2026-11-05', 'reminder'],
      ['I1', '2026-11-08', 'urge'],
      ['I1', '2026-11-12', 'notice'],
      ['I1', '2026-11-20', 'listed'],
    ]);

    // By hand: T1 gets I1's 交办, its 临期 (LEDGER_REMINDER_DAYS 3: the first run, 11-03), its 逾期 and the
    // four steps of the ladder: 7 messages (its leader has no channel). T2 gets I2's 交办 only. The inspectors get I2's 待审核, refused twice.
    await eventually('T1 and T2 have their messages', () => r.t1.received.length >= 7 && r.t2.received.length >= 1, { explain, timeoutMs: 60_000 });
    await eventually('the bulletin reaches the county channel', () => r.county.received.length >= 1, { explain, timeoutMs: 60_000 });
    // The review message failed once on 11-10; its second attempt is due a second later (moved clock), and then it is dead.
    await eventually(
      'the inspectors’ message is a dead letter',
      async () => (await ledger.as('admin').get('/notifications/dead-letters', 200)).body.length === 1,
      {
        explain,
        timeoutMs: 60_000,
      },
    );
    const t1 = r.t1.bodies<{ kind: string; itemId: string }>();
    expect(t1.map((b) => b.kind).sort()).toEqual(['assigned', 'due_soon', 'escalated', 'escalated', 'escalated', 'escalated', 'overdue']);
    expect(ids(r.t1)).toEqual({ keys: expect.any(Array), distinct: 7 });
    expect(r.t1.received).toHaveLength(7);
    expect(ids(r.t2).distinct).toBe(1);
    expect(r.t2.received).toHaveLength(1);
    expect(r.review.received).toHaveLength(2);
    expect(new Set(ids(r.review).keys).size).toBe(1);

    // The bulletin message: once, with the headline figures worked out by hand for November 30th:
    // I1 open and overdue; I2 concluded 11-11, due 11-20 (on time): 2 items, 1 closed (50.0%), 1 of 1 on time.
    expect(r.county.received).toHaveLength(1);
    const card = JSON.parse(r.county.received[0].body) as { msgtype: string; markdown: { title: string; text: string } };
    expect(card.msgtype).toBe('markdown');
    expect(card.markdown.title).toBe('【督查通报】湟源县委督查通报〔2026〕第11期');
    expect(card.markdown.text).toContain('截至2026-11-30，全县共有交办事项2项，已办结1项，办结率50.0%，按期办结率100.0%；逾期未办结1项。');
    expect(card.markdown.text).toContain('乡镇排名第一：申中乡党委（办结率100.0%，按期办结率100.0%）。');
    expect(card.markdown.text).toContain('[查看通报](https://ledger.huangyuan.gov.cn/api/v1/bulletins/2026-11)');

    // The bulletin's figures equal the API's as of the checkpoint it states, and the .docx says the same.
    const data = (await inspector.get('/bulletins/2026-11?format=json', 200)).body;
    expect(data.asOf).toBe('2026-11-30T15:59:59.999Z');
    expect(card.markdown.text).toContain(`数据截至 asOf=${data.asOf}，台账日志位置 ${data.position}。`);
    const asOf = encodeURIComponent(data.asOf);
    expect(data.county).toEqual((await inspector.get(`/units/C/outstanding?asOf=${asOf}`, 200)).body);
    expect(data.county).toMatchObject({ total: 2, concluded: 1, overdue: 1, closureRate: 0.5, onTimeRate: 1 });
    expect(data.townships).toEqual((await inspector.get(`/units/C/children/outstanding?asOf=${asOf}`, 200)).body);
    const docx = await ledger.http
      .get(`${API}/bulletins/2026-11?format=docx`)
      .set('Authorization', `Bearer ${inspector.token}`)
      .buffer(true)
      .parse(binary as never);
    expect(docx.status).toBe(200);
    expect(wordText(await readZipText(docx.body as Buffer, 'word/document.xml')).split('\n')).toContain(
      '截至2026-11-30，全县共有交办事项2项，已办结1项，办结率50.0%，按期办结率100.0%；逾期未办结1项。',
    );

    // The administrator replays the dead letter once the receiver is back; it arrives with the same id.
    const admin = ledger.as('admin');
    const [dead] = (await admin.get('/notifications/dead-letters', 200)).body as Array<{ id: string; kind: string; attemptLog: unknown[] }>;
    expect([dead.kind, dead.attemptLog.length]).toEqual(['awaiting_review', 2]);
    r.review.mode = 'ok';
    await admin.post(`/notifications/${dead.id}/replay`, {}, 202);
    await eventually('the replayed message is delivered', () => r.review.received.length === 3, { explain, timeoutMs: 60_000 });
    expect(r.review.received[2].headers['idempotency-key']).toBe(dead.id);
    await eventually('no dead letters are left', async () => (await admin.get('/notifications/dead-letters', 200)).body.length === 0, { explain });

    // A day later, and a restarted notifier: nothing is sent again (the bulletin's outbox row is keyed by its period).
    await notifier.stop();
    clock.set(nineAm('2026-12-02'));
    notifier = await county.startNotifier('month-2', () => config);
    await eventually('the second notifier leads', () => notifier.state === 'leader', { explain });
    await eventually('it has looked at the bulletin', () => logs.includes('bulletin 2026-11: in the outbox already'), { explain });
    expect(r.county.received).toHaveLength(1);
    expect(r.t1.received).toHaveLength(7);
    expect(logs.filter((l) => /bulletin 2026-11: queued/.test(l))).toHaveLength(1);
  }, 300_000);
});
