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

/** Asia/Shanghai: +08:00 all year since 1991 (no daylight saving since), as countyInstant shows instants. */
const COUNTY_OFFSET_MS = 8 * 3_600_000;

/** The county-local date (Asia/Shanghai) of an instant, `YYYY-MM-DD`. */
export function countyDate(at: Date): string {
  // Arithmetic, not Intl.DateTimeFormat: this runs several times per command and per projected event.
  return new Date(at.getTime() + COUNTY_OFFSET_MS).toISOString().slice(0, 10);
}

/** ISO-8601 with the county's +08:00 offset, as the API shows instants. */
export function countyInstant(at: Date): string {
  const shifted = new Date(at.getTime() + COUNTY_OFFSET_MS);
  return shifted.toISOString().replace('Z', '+08:00');
}

/** The instant the county day after `at`'s begins: 00:00 +08:00 of the next county date. */
export function nextCountyMidnight(at: Date): Date {
  return new Date(Date.parse(`${countyDate(at)}T00:00:00Z`) - COUNTY_OFFSET_MS + 86_400_000);
}
