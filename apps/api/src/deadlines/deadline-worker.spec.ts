import { nextRunDelayMs } from './deadline-worker';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('nextRunDelayMs: the interval, or the county midnight (+08:00) plus 1 s when that comes first', () => {
  it('09:00 county time (01:00Z): midnight is 15 h away, the 10-minute interval comes first', () => {
    expect(nextRunDelayMs(new Date('2026-03-02T01:00:00Z'), 10 * MIN)).toBe(10 * MIN);
  });

  it('23:55 county time (15:55Z): 5 min to midnight, +1 s', () => {
    expect(nextRunDelayMs(new Date('2026-03-02T15:55:00Z'), 10 * MIN)).toBe(5 * MIN + 1000);
  });

  it('a day-long interval at 09:00 county time waits only for midnight: 15 h + 1 s', () => {
    expect(nextRunDelayMs(new Date('2026-03-02T01:00:00Z'), 24 * HOUR)).toBe(15 * HOUR + 1000);
  });

  it('midnight UTC is 08:00 county time: 16 h to the county midnight, not 24', () => {
    expect(nextRunDelayMs(new Date('2026-03-02T00:00:00Z'), 24 * HOUR)).toBe(16 * HOUR + 1000);
  });

  it('just after the county midnight (16:00:00.500Z): the next midnight is a full day on', () => {
    expect(nextRunDelayMs(new Date('2026-03-02T16:00:00.500Z'), 24 * HOUR)).toBe(24 * HOUR);
    expect(nextRunDelayMs(new Date('2026-03-02T16:00:00.500Z'), 48 * HOUR)).toBe(24 * HOUR - 500 + 1000);
  });

  it('across the end of February and of the year', () => {
    expect(nextRunDelayMs(new Date('2026-02-28T15:00:00Z'), 24 * HOUR)).toBe(HOUR + 1000);
    expect(nextRunDelayMs(new Date('2026-12-31T15:59:59Z'), 24 * HOUR)).toBe(1000 + 1000);
  });
});
