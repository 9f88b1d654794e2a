// Relative imports only: this file also runs inside the writer thread.
import type { ExpectedRevision } from '../port';
import type { LaneAppend, LaneError, LaneOutcome, LaneReply } from './write-lane';

/*
 * What crosses to the writer thread and back, flattened: the structured clone writes every property
 * name of every object it copies, so a group of 32 appends as objects cost 152 µs to clone there and
 * back, as one flat array 77 µs; the reply 40 µs as objects, 12 as a typed array
 * (docs/benchmarks.md, "Measurements behind design choices").
 */

/** [stream, expected, count, then per event id, type, schemaVersion, data, metadata, recordedAt, givenRecordedAt, bodyHash] per append. */
export type FlatBatch = (string | number | boolean)[];

const EVENT_FIELDS = 8;

export function flattenBatch(batch: LaneAppend[]): FlatBatch {
  const out: FlatBatch = [];
  for (const p of batch) {
    out.push(p.stream, p.expected, p.events.length);
    for (const e of p.events) out.push(e.id, e.type, e.schemaVersion, e.data, e.metadata, e.recordedAt, e.givenRecordedAt, e.bodyHash);
  }
  return out;
}

export function unflattenBatch(flat: FlatBatch): LaneAppend[] {
  const batch: LaneAppend[] = [];
  let i = 0;
  while (i < flat.length) {
    const stream = flat[i] as string;
    const expected = flat[i + 1] as ExpectedRevision;
    const count = flat[i + 2] as number;
    i += 3;
    const events: LaneAppend['events'] = new Array(count);
    for (let k = 0; k < count; k++, i += EVENT_FIELDS) {
      events[k] = {
        id: flat[i] as string,
        type: flat[i + 1] as string,
        schemaVersion: flat[i + 2] as number,
        data: flat[i + 3] as string,
        metadata: flat[i + 4] as string,
        recordedAt: flat[i + 5] as string,
        givenRecordedAt: flat[i + 6] as boolean,
        bodyHash: flat[i + 7] as string,
      };
    }
    batch.push({ stream, events, expected });
  }
  return batch;
}

/** Successful outcomes as (revision, position, wrote) triples; refusals, rare, as objects beside them. */
export interface FlatReply {
  ok: Float64Array;
  errors: [number, LaneError][];
  commits: number;
  eventsWritten: number;
}

export function flattenReply(reply: LaneReply): FlatReply {
  const ok = new Float64Array(reply.outcomes.length * 3);
  const errors: [number, LaneError][] = [];
  reply.outcomes.forEach((o, i) => {
    if (o.ok) {
      ok[i * 3] = o.revision;
      ok[i * 3 + 1] = o.position;
      ok[i * 3 + 2] = o.wrote ? 1 : 0;
    } else errors.push([i, o.error]);
  });
  return { ok, errors, commits: reply.commits, eventsWritten: reply.eventsWritten };
}

export function unflattenReply(flat: FlatReply): LaneReply {
  const outcomes: LaneOutcome[] = new Array(flat.ok.length / 3);
  for (let i = 0; i < outcomes.length; i++) {
    outcomes[i] = { ok: true, revision: flat.ok[i * 3], position: flat.ok[i * 3 + 1], wrote: flat.ok[i * 3 + 2] === 1 };
  }
  for (const [i, error] of flat.errors) outcomes[i] = { ok: false, error };
  return { outcomes, commits: flat.commits, eventsWritten: flat.eventsWritten };
}
