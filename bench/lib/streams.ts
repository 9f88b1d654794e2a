/**
 * The stream event i goes to when n concurrent appenders take events i ≡ w (mod n), each cycling over
 * 30 streams of its own: the store and postgres benches' appenders, and their ceilings' rows.
 */
export const appenderStream =
  (appenders: number, prefix = 'item') =>
  (i: number): string =>
    `${prefix}-${i % appenders}-${Math.floor(i / appenders) % 30}`;

/** Each of n events' stream and its revision there (0, 1, … within each stream), in event order. */
export function placeEvents(n: number, streamOf: (i: number) => string): Array<[stream: string, revision: number]> {
  const revisions = new Map<string, number>();
  return Array.from({ length: n }, (_, i) => {
    const stream = streamOf(i);
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    return [stream, revision];
  });
}
