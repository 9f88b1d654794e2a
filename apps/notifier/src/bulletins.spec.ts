import { NotifyConfigError, parseNotifyConfig } from '@ledger/read-models/notifications';
import { dueMonthlyPeriod } from './bulletins';

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
    expect(parseNotifyConfig(JSON.stringify(base)).bulletins).toEqual({ monthly: null });
    expect(parseNotifyConfig(JSON.stringify({ ...base, bulletins: { monthly: { day: 3, channels: ['ding'] } } })).bulletins).toEqual({
      monthly: { day: 3, channels: ['ding'] },
    });
    expect(problems({ monthly: { day: 0, channels: ['ding'] } })).toEqual(['bulletins.monthly.day must be a whole number from 1 to 28']);
    expect(problems({ monthly: { day: 29, channels: ['ding'] } })).toEqual(['bulletins.monthly.day must be a whole number from 1 to 28']);
    expect(problems({ monthly: { day: 1, channels: ['sms'] } })).toEqual(['bulletins.monthly.channels names "sms", which is not a channel']);
    expect(problems({ monthly: { day: 1, channels: [] } })).toEqual(['bulletins.monthly.channels must list channel names']);
    expect(problems({ monthy: { day: 1, channels: ['ding'] } })).toEqual(['bulletins.monthy is not a setting (expected monthly)']);
    expect(problems({ monthly: { day: 1, channels: ['ding'], hour: 9 } })).toEqual(['bulletins.monthly.hour is not a setting (expected day, channels)']);
    expect(problems([])).toEqual(['bulletins must be an object']);
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
