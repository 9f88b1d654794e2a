import { countyDate, countyInstant } from './clock';

describe('county dates', () => {
  it('gives the Asia/Shanghai date of an instant, as the time-zone database does', () => {
    const zone = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
    // Every 7 h 13 min from 1992 to 2100 passes every hour of the day near midnight, in every month.
    for (let t = Date.UTC(1992, 0, 1); t < Date.UTC(2100, 0, 1); t += 26_000_000) expect(countyDate(new Date(t))).toBe(zone.format(new Date(t)));
  });

  it('turns the date at 16:00 UTC, the county midnight', () => {
    expect(countyDate(new Date('2026-03-01T15:59:59.999Z'))).toBe('2026-03-01');
    expect(countyDate(new Date('2026-03-01T16:00:00.000Z'))).toBe('2026-03-02');
    expect(countyInstant(new Date('2026-03-01T16:00:00.000Z'))).toBe('2026-03-02T00:00:00.000+08:00');
  });
});
