import { COUNTY_OFFSET_MS, countyDate } from '@ledger/contracts/county-time';

/** The one clock of the application; tests and the demo generator inject their own. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class FixedClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(at: Date | string): void {
    this.current = new Date(at);
  }
  advanceDays(days: number): void {
    this.current = new Date(this.current.getTime() + days * 86_400_000);
  }
}

export { COUNTY_OFFSET, countyDate, countyInstant } from '@ledger/contracts/county-time';

/** The instant the county day after `at`'s begins: 00:00 +08:00 of the next county date. */
export function nextCountyMidnight(at: Date): Date {
  return new Date(Date.parse(`${countyDate(at)}T00:00:00Z`) - COUNTY_OFFSET_MS + 86_400_000);
}
