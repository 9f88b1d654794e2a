import { flattenBatch, flattenReply, unflattenBatch, unflattenReply } from './lane-messages';
import type { LaneAppend, LaneReply } from './write-lane';

const event = (id: string, given: boolean) => ({
  id,
  type: 'ItemAssigned',
  schemaVersion: 2,
  data: '{"title":"关于\\"三会一课\\"的整改"}',
  metadata: '{"recordedAt":"2026-03-01T09:30:00.000+08:00"}',
  recordedAt: '2026-03-01T09:30:00.000+08:00',
  givenRecordedAt: given,
  bodyHash: 'ab'.repeat(32),
});

describe('the writer thread’s flat messages', () => {
  it('carry every append as it was: several events, none, and each kind of expected revision', () => {
    const batch: LaneAppend[] = [
      { stream: 'item-1', events: [event('e1', true), event('e2', false)], expected: 'no_stream' },
      { stream: 'item-2', events: [], expected: 7 },
      { stream: 'unit-|3', events: [event('e3', false)], expected: 'any' },
      { stream: '', events: [event('e4', true)], expected: 'stream_exists' },
      { stream: 'item-5', events: [event('e5', true)], expected: 0 },
    ];
    expect(unflattenBatch(structuredClone(flattenBatch(batch)))).toEqual(batch);
    expect(unflattenBatch(flattenBatch([]))).toEqual([]);
  });

  it('carry every outcome in its place: writes, idempotent answers, empty streams and refusals', () => {
    const reply: LaneReply = {
      outcomes: [
        { ok: true, revision: 0, position: 1, wrote: true },
        { ok: false, error: { kind: 'concurrency', stream: 'item-2', expected: 3, actual: 'no_stream' } },
        { ok: true, revision: -1, position: 0, wrote: false },
        { ok: true, revision: 41, position: 2 ** 53 - 1, wrote: false },
        { ok: false, error: { kind: 'other', message: 'disk I/O error', code: 'SQLITE_IOERR' } },
      ],
      commits: 2,
      eventsWritten: 1,
    };
    expect(unflattenReply(structuredClone(flattenReply(reply)))).toEqual(reply);
  });
});
