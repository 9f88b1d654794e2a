import { countyDateOf } from '@ledger/read-models/dates';
import { countyDate, countyDayEndMs, countyDayStartMs, countyInstant, isoWeekDates, isoWeekOf, isoWeeksInYear } from './county-time';

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

/**
 * ISO-8601 weeks of county dates (the weekly 督查通报), checked against the definition walked day by day:
 * weeks run Monday to Sunday and a week belongs to the year of its Thursday.
 */
describe('ISO weeks of county dates', () => {
  const DAY = 86_400_000;
  const dateAt = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  it('numbers every day from 2000 to 2060 as the day-by-day walk does', () => {
    // 2000-01-01 was a Saturday, so 2000-01-03 is the Monday of the week holding Thursday 2000-01-06: 2000-W01.
    let year = 2000;
    let week = 1;
    let weekday = 1;
    for (let t = Date.UTC(2000, 0, 3); t < Date.UTC(2060, 0, 1); t += DAY) {
      if (weekday === 8) {
        weekday = 1;
        const thursdayYear = new Date(t + 3 * DAY).getUTCFullYear();
        if (thursdayYear !== year) [year, week] = [thursdayYear, 1];
        else week++;
      }
      expect(isoWeekOf(dateAt(t))).toEqual({ year, week, weekday });
      if (weekday === 1) expect(isoWeekDates(year, week)).toEqual({ from: dateAt(t), to: dateAt(t + 6 * DAY) });
      weekday++;
    }
  });

  it('gives a year 53 weeks when it starts on a Thursday, or on a Wednesday in a leap year, and refuses weeks it has not', () => {
    for (let y = 2000; y < 2060; y++) {
      const jan1 = new Date(Date.UTC(y, 0, 1)).getUTCDay(); // 0 Sunday … 4 Thursday
      const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
      const weeks = jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
      expect([y, isoWeeksInYear(y)]).toEqual([y, weeks]);
      expect(isoWeekDates(y, weeks + 1)).toBeNull();
      expect(isoWeekDates(y, 0)).toBeNull();
    }
  });

  it('worked by hand: 2026 starts on a Thursday, so it has a week 53 that ends in 2027', () => {
    expect(isoWeeksInYear(2026)).toBe(53);
    expect(isoWeekDates(2026, 1)).toEqual({ from: '2025-12-29', to: '2026-01-04' });
    expect(isoWeekDates(2026, 48)).toEqual({ from: '2026-11-23', to: '2026-11-29' });
    expect(isoWeekDates(2026, 53)).toEqual({ from: '2026-12-28', to: '2027-01-03' });
    expect(isoWeekDates(2027, 1)).toEqual({ from: '2027-01-04', to: '2027-01-10' });
    expect(isoWeekOf('2027-01-03')).toEqual({ year: 2026, week: 53, weekday: 7 });
    expect(isoWeeksInYear(2027)).toBe(52);
  });

  it('ends a county day at 15:59:59.999 UTC', () => {
    expect(new Date(countyDayEndMs('2026-11-29')).toISOString()).toBe('2026-11-29T15:59:59.999Z');
    expect(countyDate(new Date(countyDayEndMs('2027-01-03')))).toBe('2027-01-03');
    expect(countyDate(new Date(countyDayEndMs('2027-01-03') + 1))).toBe('2027-01-04');
  });

  it('starts a county day at 16:00 UTC the day before, counted on across a month and a year', () => {
    expect(new Date(countyDayStartMs('2026-11-30')).toISOString()).toBe('2026-11-29T16:00:00.000Z');
    expect(new Date(countyDayStartMs('2026-11-30', 1)).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(new Date(countyDayStartMs('2026-12-28', 7)).toISOString()).toBe('2027-01-03T16:00:00.000Z');
  });
});
