import type { NotifyConfig } from '@ledger/read-models/notifications';
import { BulletinTimer } from './bulletin-timer';
import { dueMonthlyPeriod, dueWeeklyPeriod } from './bulletins';

const MINUTE = 60_000;
/** County time (UTC+8) to an instant. */
const county = (local: string) => Date.parse(`${local}+08:00`);
const iso = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);

type Bulletins = NotifyConfig['bulletins'];
const both: Bulletins = { monthly: { day: 1, channels: ['ding'] }, weekly: { weekday: 1, channels: ['ding'] } };

/** A notifier's passes, one a minute on a fake clock, looking at the bulletins when the timer says so. */
function simulate(from: number, to: number, config: (t: number) => Bulletins, settle: (t: number) => boolean = () => true) {
  const timer = new BulletinTimer();
  const looks: number[] = [];
  const periods = new Map<string, number>();
  for (let t = from; t < to; t += MINUTE) {
    const bulletins = config(t);
    if (!timer.due(bulletins, t)) continue;
    looks.push(t);
    for (const p of [bulletins.monthly && dueMonthlyPeriod(bulletins.monthly, t), bulletins.weekly && dueWeeklyPeriod(bulletins.weekly, t)])
      if (p && !periods.has(p)) periods.set(p, t);
    timer.checked(bulletins, t, settle(t));
  }
  return { looks, periods };
}

describe('BulletinTimer: when the notifier looks at the scheduled bulletins', () => {
  it('looks once at the start, then only at each instant a week or a month falls due: 11 looks in 87,840 passes over two months', () => {
    const { looks, periods } = simulate(county('2026-11-01T00:00'), county('2027-01-01T00:00'), () => both);
    // Worked out on a calendar: the start (Sunday 11-01), the Mondays of November and December, and Tuesday 12-01 for November.
    expect(looks.map(iso)).toEqual([
      '2026-11-01T00:00',
      '2026-11-02T00:00',
      '2026-11-09T00:00',
      '2026-11-16T00:00',
      '2026-11-23T00:00',
      '2026-11-30T00:00',
      '2026-12-01T00:00',
      '2026-12-07T00:00',
      '2026-12-14T00:00',
      '2026-12-21T00:00',
      '2026-12-28T00:00',
    ]);
    // The same periods, each first seen at the same minute, as looking on every pass would see them.
    const everyPass = new Map<string, number>();
    for (let t = county('2026-11-01T00:00'); t < county('2027-01-01T00:00'); t += MINUTE)
      for (const p of [dueMonthlyPeriod(both.monthly!, t), dueWeeklyPeriod(both.weekly!, t)]) if (p && !everyPass.has(p)) everyPass.set(p, t);
    expect([...periods].map(([p, t]) => [p, iso(t)])).toEqual([...everyPass].map(([p, t]) => [p, iso(t)]));
    expect([...periods.keys()]).toEqual([
      '2026-10',
      '2026-W43',
      '2026-W44',
      '2026-W45',
      '2026-W46',
      '2026-W47',
      '2026-W48',
      '2026-11',
      '2026-W49',
      '2026-W50',
      '2026-W51',
      '2026-W52',
    ]);
  });

  it('looks on the day set, not the 1st, for a monthly bulletin on the 3rd, and across the new year', () => {
    const third: Bulletins = { monthly: { day: 3, channels: ['ding'] }, weekly: null };
    const { looks, periods } = simulate(county('2026-11-20T09:00'), county('2027-02-10T00:00'), () => third);
    expect(looks.map(iso)).toEqual(['2026-11-20T09:00', '2026-12-03T00:00', '2027-01-03T00:00', '2027-02-03T00:00']);
    expect([...periods.keys()]).toEqual(['2026-10', '2026-11', '2026-12', '2027-01']);
  });

  it('looks again at once after a configuration reload, then at the new schedule’s instant', () => {
    const wednesdays: Bulletins = { monthly: null, weekly: { weekday: 3, channels: ['ding'] } };
    // Edited on Tuesday 11-17 at 10:00 from Wednesdays to Mondays (a new object, as a reload makes).
    const mondays: Bulletins = { monthly: null, weekly: { weekday: 1, channels: ['ding'] } };
    const edit = county('2026-11-17T10:00');
    const { looks } = simulate(county('2026-11-16T12:00'), county('2026-11-24T00:00'), (t) => (t < edit ? wednesdays : mondays));
    expect(looks.map(iso)).toEqual(['2026-11-16T12:00', '2026-11-17T10:00', '2026-11-23T00:00']);
  });

  it('looks again when the clock is set back, and when it jumps past the due instant', () => {
    const timer = new BulletinTimer();
    const sunday = county('2026-11-29T12:00');
    timer.checked(both, sunday, true);
    expect(timer.due(both, county('2026-11-29T23:59'))).toBe(false);
    // Set back an hour: the instant was worked out from a later time.
    expect(timer.due(both, sunday - 3_600_000)).toBe(true);
    // Jumped to Wednesday: Monday's instant has passed.
    expect(timer.due(both, county('2026-12-02T09:00'))).toBe(true);
  });

  it('looks on every pass while a due period is not yet in the outbox (figures behind the log), then waits again', () => {
    // Figures unavailable until 00:05 on Monday 11-30.
    const ready = county('2026-11-30T00:05');
    const weekly: Bulletins = { monthly: null, weekly: { weekday: 1, channels: ['ding'] } };
    const { looks } = simulate(
      county('2026-11-29T23:58'),
      county('2026-12-01T00:00'),
      () => weekly,
      (t) => t < county('2026-11-30T00:00') || t >= ready,
    );
    expect(looks.map(iso)).toEqual([
      '2026-11-29T23:58',
      '2026-11-30T00:00',
      '2026-11-30T00:01',
      '2026-11-30T00:02',
      '2026-11-30T00:03',
      '2026-11-30T00:04',
      '2026-11-30T00:05',
    ]);
  });
});
