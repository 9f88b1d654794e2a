import { countyDateOf } from '@ledger/read-models/dates';
import { countyDate, countyInstant } from './county-time';

/** The one county date: what read-models, sheets-io and the web app now take, checked against the time-zone database. */
describe('county time', () => {
  const zone = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

  it('gives the Asia/Shanghai date of an instant, from a Date and from an ISO text (read-models)', () => {
    for (let t = Date.UTC(1995, 0, 1); t < Date.UTC(2060, 0, 1); t += 26_000_000) {
      expect(countyDate(new Date(t))).toBe(zone.format(new Date(t)));
      expect(countyDateOf(new Date(t).toISOString())).toBe(zone.format(new Date(t)));
    }
  });

  it('reads an instant with any offset and turns the day at 16:00 UTC', () => {
    expect(countyDateOf('2026-03-01T23:59:59+08:00')).toBe('2026-03-01');
    expect(countyDateOf('2026-03-01T16:00:00Z')).toBe('2026-03-02');
    expect(countyInstant(new Date('2026-03-01T15:59:59.999Z'))).toBe('2026-03-01T23:59:59.999+08:00');
  });
});
