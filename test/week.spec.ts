/**
 * Issue 19, point 4: the WEEKLY 督查通报 through the channels ("bulletins": { "weekly": { "weekday", "channels" } }),
 * beside the monthly one, on a moved clock (never slept). The notifier runs in-process on PostgreSQL (as in
 * test/month.spec.ts) and delivers to real HTTP receivers on 127.0.0.1. The weekly schedule is edited
 * while it runs (no restart); each week's bulletin arrives once, on the Monday after the week, with the figures
 * worked out by hand; a restarted notifier sends none of them again; a week that had ended before the
 * notifier first started is never sent.
 */
import { eventually } from '@ledger/platform/testing/eventually';
import { parseNotifyConfig, type NotifyConfig } from '../libs/read-models/src/notifications';
import { startNotifierCounty, type NotifierCounty } from './support/notifier-county';

describe('the weekly bulletin through the channels (issue 19, point 4)', () => {
  let county: NotifierCounty<'weekly' | 'monthly'>;

  beforeAll(async () => {
    // Wednesday of 2026-W47 (11-16..11-22): W46 had ended before the notifier first started.
    county = await startNotifierCounty('2026-11-18', { weekly: 'ok', monthly: 'ok' });
  }, 120_000);
  afterAll(async () => {
    await county?.close();
  }, 60_000);

  type Hook = { eventId: string; kind: string; title: string; text: string; link: string };

  it('sends each week once, from the Monday after it, switched on without a restart, and never again after one', async () => {
    const { ledger, settle, explain, logs, receivers: r, inspector, assign } = county;
    const file = (weekday: number): NotifyConfig =>
      parseNotifyConfig(
        JSON.stringify({
          link: 'https://ledger.huangyuan.gov.cn',
          channels: {
            weekly: { type: 'webhook', url: r.weekly.url('/weekly'), secret: 'weekly-secret' },
            monthly: { type: 'webhook', url: r.monthly.url('/monthly'), secret: 'monthly-secret' },
          },
          routes: [],
          bulletins: { monthly: { day: 1, channels: ['monthly'] }, weekly: { weekday, channels: ['weekly'] } },
        }),
      );
    // Wednesdays first: on 11-18 W46 is the week due, and it had ended before the notifier first started.
    let config = file(3);
    const start = (holder: string) => county.startNotifier(holder, () => config);
    let notifier = await start('week');
    await eventually('the notifier leads', () => notifier.state === 'leader', { explain });

    await county.seed({ number: '湟组交〔2026〕13号', title: '第47周任务', issuedOn: '2026-11-18' });
    await assign('I1', 'T1', 'K1', '2026-11-20');
    await assign('I2', 'T2', 'K2', '2026-11-27');
    const day = async (date: string) => {
      ledger.setDay(date);
      await settle();
    };
    await day('2026-11-19');
    await ledger.as('unit', 'T1').post('/items/I1/complete', { summary: '已完成' }, 200);
    await inspector.post('/items/I1/conclude', {}, 200);

    // Monday 2026-11-23: nothing is due on Wednesdays' schedule yet; the county edits the file to Mondays and W47 goes out at once.
    await day('2026-11-23');
    config = file(1);
    await eventually('W47 is delivered', () => r.weekly.received.length >= 1, { explain, timeoutMs: 60_000 });
    await day('2026-11-24');
    await ledger.as('unit', 'T2').post('/items/I2/complete', { summary: '已完成' }, 200);
    await day('2026-11-25');
    await inspector.post('/items/I2/conclude', {}, 200);
    await day('2026-11-26');
    await assign('I3', 'T1', 'K1', '2026-11-27');
    // Monday 2026-11-30: W48; Tuesday 12-01: November.
    await day('2026-11-30');
    await eventually('W48 is delivered', () => r.weekly.received.length >= 2, { explain, timeoutMs: 60_000 });
    await day('2026-12-01');
    await eventually('November is delivered', () => r.monthly.received.length >= 1, { explain, timeoutMs: 60_000 });

    const weekly = r.weekly.bodies<Hook>();
    expect(weekly.map((b) => [b.kind, b.eventId, b.link])).toEqual([
      ['bulletin', 'bulletin:weekly:2026-W47', 'https://ledger.huangyuan.gov.cn/api/v1/bulletins/2026-W47'],
      ['bulletin', 'bulletin:weekly:2026-W48', 'https://ledger.huangyuan.gov.cn/api/v1/bulletins/2026-W48'],
    ]);
    // By hand. W47 (11-16..11-22), read on 11-22: I1 concluded 11-19, due 11-20 (on time); I2 open, due 11-27.
    expect(weekly[0].title).toBe('【督查通报】湟源县委督查通报〔2026〕第47期（周报）');
    expect(weekly[0].text).toContain(
      '2026年第47周（11月16日至11月22日）：截至2026-11-22，全县共有交办事项2项，已办结1项，办结率50.0%，按期办结率100.0%；逾期未办结0项。',
    );
    expect(weekly[0].text).toContain('乡镇排名第一：和平乡党委（办结率100.0%，按期办结率100.0%）。');
    expect(weekly[0].text).toContain('数据截至 asOf=2026-11-22T15:59:59.999Z');
    // W48 (11-23..11-29), read on 11-29: I2 concluded 11-25, due 11-27 (on time); I3 open, due 11-27: overdue.
    expect(weekly[1].title).toBe('【督查通报】湟源县委督查通报〔2026〕第48期（周报）');
    expect(weekly[1].text).toContain(
      '2026年第48周（11月23日至11月29日）：截至2026-11-29，全县共有交办事项3项，已办结2项，办结率66.7%，按期办结率100.0%；逾期未办结1项。',
    );
    expect(weekly[1].text).toContain('乡镇排名第一：申中乡党委（办结率100.0%，按期办结率100.0%）。');
    expect(weekly[1].text).toContain('数据截至 asOf=2026-11-29T15:59:59.999Z');
    // The month goes to its own channel, under its own number.
    const monthly = r.monthly.bodies<Hook>();
    expect(monthly.map((b) => [b.eventId, b.title])).toEqual([['bulletin:monthly:2026-11', '【督查通报】湟源县委督查通报〔2026〕第11期']]);
    // W46 (11-09..11-15) ended before the notifier first started on 11-18: due on 11-18 under Wednesdays' schedule, never sent.
    expect(logs.filter((l) => l.includes('2026-W46'))).toEqual([]);

    // A restart on Tuesday: W48 and November are still the due periods, and both are in the outbox already.
    await notifier.stop();
    await day('2026-12-02');
    notifier = await start('week-2');
    await eventually('the second notifier leads', () => notifier.state === 'leader', { explain });
    await eventually('it has looked at W48', () => logs.includes('bulletin 2026-W48: in the outbox already'), { explain });
    await eventually('it has looked at November', () => logs.includes('bulletin 2026-11: in the outbox already'), { explain });
    expect(r.weekly.received).toHaveLength(2);
    expect(r.monthly.received).toHaveLength(1);
    expect(logs.filter((l) => /bulletin 2026-W4[78]: queued/.test(l))).toHaveLength(2);
  }, 300_000);
});
