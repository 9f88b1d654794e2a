/**
 * The county's clock face, pure so that every part can share it: the server, libs that may not import
 * @ledger/platform (read-models, sheets-io) and the web app (through its alias). No part reads a clock here.
 */

/** Asia/Shanghai: +08:00 all year since 1991 (no daylight saving since), as countyInstant shows instants. */
export const COUNTY_OFFSET = '+08:00';
export const COUNTY_OFFSET_MS = 8 * 3_600_000;

/** The county-local date (Asia/Shanghai) of an instant, `YYYY-MM-DD`. */
export function countyDate(at: Date): string {
  // Arithmetic, not Intl.DateTimeFormat: this runs several times per command and per projected event.
  return new Date(at.getTime() + COUNTY_OFFSET_MS).toISOString().slice(0, 10);
}

/** ISO-8601 with the county's +08:00 offset, as the API shows instants. */
export function countyInstant(at: Date): string {
  return new Date(at.getTime() + COUNTY_OFFSET_MS).toISOString().replace('Z', COUNTY_OFFSET);
}
