import { NotifyConfigError, parseNotifyConfig } from '@ledger/read-models/notifications';
import { dueMonthlyPeriod, dueWeeklyPeriod } from './bulletins';

const base = { channels: { ding: { type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=x' } }, routes: [] };
const problems = (bulletins: unknown) => {
  try {
    parseNotifyConfig(JSON.stringify({ ...base, bulletins }));
    return [];
  } catch (e) {
    return (e as NotifyConfigError).problems;
  }
};

describe('the scheduled monthly bulletin', () => {
  it('is configured under "bulletins", validated like the rest', () => {
    expect(parseNotifyConfig(JSON.stringify(base)).bulletins).toEqual({ monthly: null, weekly: null });
    expect(parseNotifyConfig(JSON.stringify({ ...base, bulletins: { monthly: { day: 3, channels: ['ding'] } } })).bulletins).toEqual({
      monthly: { day: 3, channels: ['ding'] },
      weekly: null,
    });
    expect(problems({ monthly: { day: 0, channels: ['ding'] } })).toEqual(['bulletins.monthly.day must be a whole number from 1 to 28']);
    expect(problems({ monthly: { day: 29, channels: ['ding'] } })).toEqual(['bulletins.monthly.day must be a whole number from 1 to 28']);
    expect(problems({ monthly: { day: 1, channels: ['sms'] } })).toEqual(['bulletins.monthly.channels names "sms", which is not a channel']);
    expect(problems({ monthly: { day: 1, channels: [] } })).toEqual(['bulletins.monthly.channels must list channel names']);
    expect(problems({ monthy: { day: 1, channels: ['ding'] } })).toEqual(['bulletins.monthy is not a setting (expected monthly, weekly)']);
    expect(problems({ monthly: { day: 1, channels: ['ding'], hour: 9 } })).toEqual(['bulletins.monthly.hour is not a setting (expected day, channels)']);
    expect(problems([])).toEqual(['bulletins must be an object']);
  });

  it('is configured weekly beside monthly, the weekday ISO-numbered, validated like the rest', () => {
    const both = { monthly: { day: 1, channels: ['ding'] }, weekly: { weekday: 1, channels: ['ding'] } };
    expect(parseNotifyConfig(JSON.stringify({ ...base, bulletins: both })).bulletins).toEqual(both);
    expect(parseNotifyConfig(JSON.stringify({ ...base, bulletins: { weekly: { weekday: 7, channels: ['ding'] } } })).bulletins).toEqual({
      monthly: null,
      weekly: { weekday: 7, channels: ['ding'] },
    });
    const weekday = 'bulletins.weekly.weekday must be a whole number from 1 (Monday) to 7 (Sunday)';
    for (const bad of [0, 8, 1.5, '1', null]) expect(problems({ weekly: { weekday: bad, channels: ['ding'] } })).toEqual([weekday]);
    expect(problems({ weekly: { channels: ['ding'] } })).toEqual([weekday]);
    expect(problems({ weekly: { weekday: 1, channels: ['sms'] } })).toEqual(['bulletins.weekly.channels names "sms", which is not a channel']);
    expect(problems({ weekly: { weekday: 1, channels: [] } })).toEqual(['bulletins.weekly.channels must list channel names']);
    expect(problems({ weekly: { weekday: 1, channels: ['ding'], day: 1 } })).toEqual(['bulletins.weekly.day is not a setting (expected weekday, channels)']);
    expect(problems({ weekly: 'monday' })).toEqual(['bulletins.weekly must be an object']);
    expect(problems({ weekly: { weekday: 9, channels: [] }, monthly: { day: 1, channels: ['ding'] } })).toEqual([
      weekday,
      'bulletins.weekly.channels must list channel names',
    ]);
  });

  it('is due weekly for the county ISO week before, from its weekday on (county time, UTC+8)', () => {
    const at = (iso: string) => Date.parse(iso);
    const monday = { weekday: 1, channels: [] };
    // 2026-11-29T16:00Z is Monday 2026-11-30 00:00 in the county: W48 (11-23..11-29) is due from then, W47 until then.
    expect(dueWeeklyPeriod(monday, at('2026-11-29T15:59:59.999Z'))).toBe('2026-W47');
    expect(dueWeeklyPeriod(monday, at('2026-11-29T16:00:00.000Z'))).toBe('2026-W48');
    // Wednesday's schedule: nothing on Monday or Tuesday, W48 from Wednesday 12-02 00:00 (12-01T16:00Z) to Sunday.
    const wednesday = { weekday: 3, channels: [] };
    expect(dueWeeklyPeriod(wednesday, at('2026-11-29T16:00:00.000Z'))).toBeNull();
    expect(dueWeeklyPeriod(wednesday, at('2026-12-01T15:59:59.999Z'))).toBeNull();
    expect(dueWeeklyPeriod(wednesday, at('2026-12-01T16:00:00.000Z'))).toBe('2026-W48');
    expect(dueWeeklyPeriod(wednesday, at('2026-12-06T15:59:59.999Z'))).toBe('2026-W48');
    // Sunday's: the week before last, sent on the Sunday after it.
    expect(dueWeeklyPeriod({ weekday: 7, channels: [] }, at('2026-11-28T01:00:00.000Z'))).toBeNull();
    expect(dueWeeklyPeriod({ weekday: 7, channels: [] }, at('2026-11-29T01:00:00.000Z'))).toBe('2026-W47');
    // Across the new year: 2026 has 53 weeks (it starts on a Thursday); 2027-01-04 is the Monday of 2027-W01.
    expect(dueWeeklyPeriod(monday, at('2027-01-04T01:00:00.000Z'))).toBe('2026-W53');
    expect(dueWeeklyPeriod(monday, at('2027-01-11T01:00:00.000Z'))).toBe('2027-W01');
    // 2026-W01 runs 2025-12-29..2026-01-04.
    expect(dueWeeklyPeriod(monday, at('2026-01-05T01:00:00.000Z'))).toBe('2026-W01');
    expect(dueWeeklyPeriod(monday, at('2025-12-29T01:00:00.000Z'))).toBe('2025-W52');
  });

  it('is due for the county month before, from its day on (county time, UTC+8)', () => {
    const at = (iso: string) => Date.parse(iso);
    // 2026-11-30T16:00Z is 2026-12-01 00:00 in the county: November's is due on day 1, not yet on day 2.
    expect(dueMonthlyPeriod({ day: 1, channels: [] }, at('2026-11-30T15:59:59.999Z'))).toBe('2026-10');
    expect(dueMonthlyPeriod({ day: 1, channels: [] }, at('2026-11-30T16:00:00.000Z'))).toBe('2026-11');
    expect(dueMonthlyPeriod({ day: 2, channels: [] }, at('2026-11-30T16:00:00.000Z'))).toBeNull();
    expect(dueMonthlyPeriod({ day: 2, channels: [] }, at('2026-12-01T16:00:00.000Z'))).toBe('2026-11');
    // January's day sends December of the year before.
    expect(dueMonthlyPeriod({ day: 1, channels: [] }, at('2027-01-05T01:00:00.000Z'))).toBe('2026-12');
  });
});
