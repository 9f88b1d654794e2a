/// <reference types="jest" />
// Jest globals: this module is for specs only, so it is never exported from the package index.
import { randomUUID } from 'node:crypto';
import { ConcurrencyError, DEFAULT_MAX_EVENT_BYTES, DuplicateEventIdError, EventStore, EventTooLargeError, NewEvent, StoredEvent, Subscription } from '../port';
import { linksFromDefinition } from './links';

/**
 * The behaviour every EventStore adapter must show. Engine-neutral: it talks to the port only.
 *
 *   eventStoreContract('sqlite', async () => ({ store, reopen, cleanup }));
 *
 * - `open` is called once for the main suite and once more for the reopen checks; tests in a suite
 *   run one after another on the same store, so the store may hold events from earlier tests (every
 *   check is relative to the head position at its start, and streams get fresh random names).
 * - `reopen`, when given, opens ANOTHER instance on the same data (the suite closes what it opens).
 * - `cleanup` releases everything; it must tolerate the store having been closed already.
 * - The store must use the default size limit (DEFAULT_MAX_EVENT_BYTES).
 */
export interface ContractHarness {
  store: EventStore;
  reopen?: () => Promise<EventStore>;
  cleanup: () => Promise<void>;
}

const LONG = 180_000;

export function streamName(prefix = 'item'): string {
  return `${prefix}-${randomUUID()}`;
}

export function newEvent(type = 'ItemAcknowledged', data: unknown = { itemId: randomUUID(), unitId: 'u-1' }, metadata: Record<string, unknown> = {}): NewEvent {
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    data,
    metadata: {
      actor: { userId: 'user-1', role: 'org_dept', unitId: null, name: '张三' },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      recordedAt: '2026-03-01T09:30:00.000+08:00',
      ...metadata,
    },
  };
}

export function newEvents(
  n: number,
  make: (i: number) => NewEvent = (i) => newEvent('ProgressReported', { itemId: 'x', note: `第${i}次进展`, evidence: [], i }),
): NewEvent[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

/** A payload of about `bytes` UTF-8 bytes, mostly Chinese (3 bytes a character). */
export function chinesePayload(bytes: number): { text: string; tail: string } {
  const unit = '责任清单销号制定责履责督责追责';
  const chars = Math.ceil(bytes / 3);
  return { text: unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars), tail: '终' };
}

async function expectRejection<E>(p: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error(`expected a ${type.name}, but the promise resolved`);
}

export interface ContractOptions {
  /**
   * What the store must declare (EventStore.contiguousPositions). True (the default) where the engine's
   * positions are gap-free (SQLite, PostgreSQL). EventStoreDB's `$all` positions are only strictly
   * increasing: there the suite checks order, never a difference of positions; counts come from
   * countEvents and neighbours from reads.
   */
  contiguousPositions?: boolean;
  /** False where a stream link holds position 0, not the event's (EventStoreDB: the server assigns the position after the write). */
  positionInLink?: boolean;
}

export function eventStoreContract(name: string, open: () => Promise<ContractHarness>, options: ContractOptions = {}): void {
  const contiguous = options.contiguousPositions !== false;
  const expectGapFree = (events: StoredEvent[], after: bigint): void => {
    if (contiguous) events.forEach((e, i) => expect(e.position).toBe(after + BigInt(i + 1)));
    else events.forEach((e, i) => expect(e.position > (i === 0 ? after : events[i - 1].position)).toBe(true));
  };
  describe(`EventStore contract: ${name}${contiguous ? '' : ' (positions increasing, not contiguous)'}`, () => {
    let h: ContractHarness;
    let store: EventStore;

    beforeAll(async () => {
      h = await open();
      store = h.store;
    }, LONG);

    it(`declares its positions ${contiguous ? 'contiguous' : 'increasing, not contiguous'}`, () => {
      expect(store.contiguousPositions).toBe(contiguous);
    });
    afterAll(async () => {
      await h?.cleanup();
    }, LONG);

    describe('expected revision', () => {
      it('no_stream creates a stream with revisions from 0 and rejects an existing stream', async () => {
        const s = streamName();
        const first = await store.append(s, newEvents(3), 'no_stream');
        expect(first.revision).toBe(2);
        const err = await expectRejection(store.append(s, newEvents(1), 'no_stream'), ConcurrencyError);
        expect(err.code).toBe('CONCURRENCY_CONFLICT');
        expect(err.stream).toBe(s);
        expect(err.expected).toBe('no_stream');
        expect(err.actual).toBe(2);
        expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0, 1, 2]);
      });

      it('stream_exists rejects a missing stream and accepts an existing one', async () => {
        const s = streamName();
        const err = await expectRejection(store.append(s, newEvents(1), 'stream_exists'), ConcurrencyError);
        expect(err.actual).toBe('no_stream');
        expect(await store.readStream(s)).toEqual([]);
        await store.append(s, newEvents(1), 'no_stream');
        expect((await store.append(s, newEvents(2), 'stream_exists')).revision).toBe(2);
      });

      it('a number must equal the current revision: stale, ahead and missing-stream all conflict', async () => {
        const s = streamName();
        const missing = await expectRejection(store.append(s, newEvents(1), 0), ConcurrencyError);
        expect(missing.actual).toBe('no_stream');
        await store.append(s, newEvents(2), 'no_stream');
        const stale = await expectRejection(store.append(s, newEvents(1), 0), ConcurrencyError);
        expect(stale.expected).toBe(0);
        expect(stale.actual).toBe(1);
        const ahead = await expectRejection(store.append(s, newEvents(1), 5), ConcurrencyError);
        expect(ahead.actual).toBe(1);
        const ok = await store.append(s, newEvents(1), 1);
        expect(ok.revision).toBe(2);
      });

      it('any accepts a missing and an existing stream', async () => {
        const s = streamName();
        expect((await store.append(s, newEvents(1), 'any')).revision).toBe(0);
        expect((await store.append(s, newEvents(2), 'any')).revision).toBe(2);
      });

      it('a conflicting append writes nothing', async () => {
        const s = streamName();
        await store.append(s, newEvents(1), 'no_stream');
        const head = await store.headPosition();
        await expectRejection(store.append(s, newEvents(5), 'no_stream'), ConcurrencyError);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(s)).toHaveLength(1);
        expect(await store.readAll({ after: head, limit: 10 })).toEqual([]);
      });

      it('an empty append writes nothing, checks the expectation and returns the current revision', async () => {
        const s = streamName();
        const head = await store.headPosition();
        expect(await store.append(s, [], 'any')).toEqual({ revision: -1, position: 0n });
        expect(await store.append(s, [], 'no_stream')).toEqual({ revision: -1, position: 0n });
        await expectRejection(store.append(s, [], 'stream_exists'), ConcurrencyError);
        const r = await store.append(s, newEvents(2), 'no_stream');
        expect(await store.append(s, [], 1)).toEqual(r);
        await expectRejection(store.append(s, [], 0), ConcurrencyError);
        expect(await store.headPosition()).toBe(r.position);
        expect(await store.countEvents(head, r.position)).toBe(2);
      });
    });

    describe('idempotent retry', () => {
      it('re-appending the same events returns the original result and writes nothing, whatever the expectation', async () => {
        const s = streamName();
        const batch = newEvents(3);
        const first = await store.append(s, batch, 'no_stream');
        const head = await store.headPosition();
        expect(await store.append(s, batch, 'no_stream')).toEqual(first);
        expect(await store.append(s, batch, 'any')).toEqual(first);
        expect(await store.append(s, batch, 0)).toEqual(first);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(s)).toHaveLength(3);
      });

      it('an earlier batch retried after later appends returns its own original result', async () => {
        const s = streamName();
        const a = newEvents(2);
        const ra = await store.append(s, a, 'no_stream');
        await store.append(s, newEvents(2), 1);
        expect(await store.append(s, a, 'no_stream')).toEqual(ra);
        expect(await store.readStream(s)).toHaveLength(4);
      });

      it('a retry of an event the store timestamped is still the same event', async () => {
        const s = streamName();
        const e = newEvent();
        delete e.metadata.recordedAt;
        const first = await store.append(s, [e], 'no_stream');
        const again = { ...e, metadata: { ...e.metadata } };
        expect(await store.append(s, [again], 'no_stream')).toEqual(first);
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('concurrent retries of one batch are written once and all get the same result', async () => {
        const s = streamName();
        const batch = newEvents(2);
        const head = await store.headPosition();
        const results = await Promise.allSettled([
          store.append(s, batch, 'no_stream'),
          store.append(s, batch, 'no_stream'),
          store.append(s, batch, 'no_stream'),
        ]);
        const ok = results.filter((r): r is PromiseFulfilledResult<{ revision: number; position: bigint }> => r.status === 'fulfilled');
        expect(ok.length).toBeGreaterThanOrEqual(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
        }
        // Whatever raced, a retry now answers with the one original result.
        const settled = await store.append(s, batch, 'any');
        for (const r of ok) expect(r.value).toEqual(settled);
        expect(await store.headPosition()).toBe(settled.position);
        expect(await store.countEvents(head, settled.position)).toBe(2);
      });

      it('an id reused with other content is rejected and nothing is written', async () => {
        const s = streamName();
        const e = newEvent('ItemUrged', { itemId: 'i', level: 'urge', channel: null, note: '请尽快办理' });
        await store.append(s, [e], 'no_stream');
        const head = await store.headPosition();
        const changed = { ...e, data: { itemId: 'i', level: 'listed', channel: null, note: '挂牌督办' } };
        const err = await expectRejection(store.append(s, [changed], 'any'), DuplicateEventIdError);
        expect(err.code).toBe('DUPLICATE_EVENT_ID');
        expect(err.eventId).toBe(e.id);
        await expectRejection(store.append(s, [{ ...e, type: 'ItemConcluded' }], 'any'), DuplicateEventIdError);
        await expectRejection(store.append(s, [{ ...e, metadata: { ...e.metadata, correlationId: 'other' } }], 'any'), DuplicateEventIdError);
        await expectRejection(store.append(streamName(), [e], 'any'), DuplicateEventIdError);
        expect(await store.headPosition()).toBe(head);
      });

      it('a partial overlap (some ids stored, some new) is rejected and nothing is written', async () => {
        const s = streamName();
        const batch = newEvents(2);
        await store.append(s, batch, 'no_stream');
        const head = await store.headPosition();
        const err = await expectRejection(store.append(s, [...batch, newEvent()], 'any'), DuplicateEventIdError);
        expect(batch.map((e) => e.id)).toContain(err.eventId);
        await expectRejection(store.append(s, [newEvent(), batch[1]], 'any'), DuplicateEventIdError);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('an id repeated inside one batch is rejected and nothing is written', async () => {
        const s = streamName();
        const e = newEvent();
        const head = await store.headPosition();
        await expectRejection(store.append(s, [e, e], 'any'), DuplicateEventIdError);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(s)).toEqual([]);
      });
    });

    describe('ordering', () => {
      it(`positions are ${contiguous ? 'gap-free and ' : ''}increasing, and readAll is the union of the streams in commit order`, async () => {
        const before = await store.headPosition();
        const streams = [streamName('unit'), streamName('cadre'), streamName('item')];
        const appended: string[] = [];
        for (let round = 0; round < 5; round++) {
          for (const s of streams) {
            const batch = newEvents(1 + ((round + s.length) % 3));
            const r = await store.append(s, batch, 'any');
            appended.push(...batch.map((e) => e.id));
            if (contiguous) expect(r.position).toBe(before + BigInt(appended.length));
            else expect(r.position > before).toBe(true);
          }
        }
        const all = await store.readAll({ after: before, limit: 10_000 });
        expect(all.map((e) => e.id)).toEqual(appended);
        expectGapFree(all, before);
        const last = all[all.length - 1].position;
        expect(await store.headPosition()).toBe(last);
        expect(await store.countEvents(before, last)).toBe(appended.length);
        const union = (await Promise.all(streams.map((s) => store.readStream(s)))).flat();
        expect(union.map((e) => e.id).sort()).toEqual([...appended].sort());
        for (const s of streams) {
          const own = all.filter((e) => e.stream === s);
          expect(own.map((e) => e.revision)).toEqual(own.map((_, i) => i));
        }
      });

      it('readAll pages by limit and after; after the head it reads nothing', async () => {
        const before = await store.headPosition();
        const s = streamName();
        await store.append(s, newEvents(23), 'no_stream');
        const pages: StoredEvent[] = [];
        let after = before;
        for (;;) {
          const page = await store.readAll({ after, limit: 7 });
          if (!page.length) break;
          expect(page.length).toBeLessThanOrEqual(7);
          pages.push(...page);
          after = page[page.length - 1].position;
        }
        expect(pages.map((e) => e.id)).toEqual((await store.readStream(s)).map((e) => e.id));
        expect(await store.readAll({ after: await store.headPosition(), limit: 10 })).toEqual([]);
      });

      it('countEvents counts the events in (after, upTo], up to a cap', async () => {
        const before = await store.headPosition();
        const s = streamName();
        await store.append(s, newEvents(12), 'no_stream');
        const own = await store.readStream(s);
        expect(await store.countEvents(before, own[11].position)).toBe(12);
        expect(await store.countEvents(own[2].position, own[7].position)).toBe(5);
        expect(await store.countEvents(own[2].position, own[7].position, 3)).toBe(3);
        expect(await store.countEvents(own[7].position, own[2].position)).toBe(0);
        expect(await store.countEvents(own[11].position, own[11].position + 1000n)).toBe(0);
      });

      it(`many concurrent appenders to many streams keep positions ${contiguous ? 'gap-free' : 'increasing'} and revisions dense`, async () => {
        const before = await store.headPosition();
        const streams = Array.from({ length: 10 }, () => streamName());
        await Promise.all(streams.flatMap((s) => Array.from({ length: 5 }, () => store.append(s, newEvents(2), 'any'))));
        const all = await store.readAll({ after: before, limit: 1000 });
        expect(all).toHaveLength(100);
        expectGapFree(all, before);
        for (const s of streams) {
          expect(all.filter((e) => e.stream === s).map((e) => e.revision)).toEqual(Array.from({ length: 10 }, (_, i) => i));
        }
      });
    });

    describe('concurrent appenders to one stream', () => {
      it('exactly one wins per revision; the others get ConcurrencyError', async () => {
        const s = streamName();
        await store.append(s, newEvents(1), 'no_stream');
        for (let revision = 0; revision < 5; revision++) {
          const tries = Array.from({ length: 8 }, () => store.append(s, newEvents(1), revision));
          const results = await Promise.allSettled(tries);
          const won = results.filter((r) => r.status === 'fulfilled');
          expect(won).toHaveLength(1);
          for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
        }
        const events = await store.readStream(s);
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5]);
      });

      it('exactly one of many no_stream creators wins', async () => {
        const s = streamName('sheet_number');
        const results = await Promise.allSettled(Array.from({ length: 8 }, () => store.append(s, newEvents(1), 'no_stream')));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(await store.readStream(s)).toHaveLength(1);
      });
    });

    describe('reading streams', () => {
      it('an unknown stream reads empty', async () => {
        expect(await store.readStream(streamName())).toEqual([]);
      });

      it(
        'a 10,000-event stream reads back intact, from any revision, with a limit',
        async () => {
          const s = streamName();
          const n = 10_000;
          for (let from = 0; from < n; from += 500) {
            await store.append(
              s,
              newEvents(500, (i) => newEvent('ProgressReported', { itemId: s, note: `进展${from + i}`, evidence: [], i: from + i })),
              from === 0 ? 'no_stream' : from - 1,
            );
          }
          const all = await store.readStream(s);
          expect(all).toHaveLength(n);
          const range = Array.from({ length: n }, (_, i) => i);
          expect(all.map((e) => e.revision)).toEqual(range);
          expect(all.map((e) => (e.data as { i: number }).i)).toEqual(range);
          expect(all.every((e, i) => i === 0 || e.position > all[i - 1].position)).toBe(true);
          const tail = await store.readStream(s, 9_990);
          expect(tail.map((e) => e.revision)).toEqual([9990, 9991, 9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999]);
          const middle = await store.readStream(s, 5_000, 100);
          expect(middle.map((e) => e.revision)).toEqual(Array.from({ length: 100 }, (_, i) => 5_000 + i));
          expect(await store.readStream(s, n)).toEqual([]);
        },
        LONG,
      );
    });

    describe('stream heads at a position', () => {
      it("each stream's last event at or before the position, streams in the order they began", async () => {
        const [a, b, c] = [streamName(), streamName(), streamName()];
        await store.append(a, newEvents(2), 'no_stream');
        await store.append(b, newEvents(1), 'no_stream');
        await store.append(a, newEvents(1), 1);
        const cut = (await store.append(b, newEvents(2), 0)).position;
        await store.append(a, newEvents(1), 2); // after the cut: not a head at it
        await store.append(c, newEvents(1), 'no_stream'); // born after the cut: absent
        const heads = await collect(store.streamHeadsAt(cut));
        // What a walk of the log up to the cut says, for every stream (earlier tests' too).
        const expected = new Map<string, { stream: string; revision: number; position: bigint; streamHash: string }>();
        for (let after = 0n; ;) {
          const page = (await store.readAll({ after, limit: 1000 })).filter((e) => e.position <= cut);
          for (const e of page) expected.set(e.stream, { stream: e.stream, revision: e.revision, position: e.position, streamHash: e.streamHash ?? '' });
          if (page.length < 1000) break;
          after = page[page.length - 1].position;
        }
        expect(heads).toEqual([...expected.values()]);
        const ours = heads.filter((x) => [a, b, c].includes(x.stream));
        expect(ours.map((x) => [x.stream, x.revision])).toEqual([
          [a, 2],
          [b, 2],
        ]);
        const [a2] = await store.readStream(a, 2, 1);
        expect(heads.find((x) => x.stream === a)).toEqual({ stream: a, revision: 2, position: a2.position, streamHash: a2.streamHash });
        expect(heads.find((x) => x.stream === b)!.streamHash).toMatch(/^[0-9a-f]{64}$/);
        const [a0] = await store.readStream(a, 0, 1);
        expect((await collect(store.streamHeadsAt(a0.position - 1n))).some((x) => x.stream === a)).toBe(false);
      });
    });

    describe('payloads and envelope', () => {
      it('the envelope carries id, stream, type, schemaVersion, data, metadata, revision, position, recordedAt', async () => {
        const s = streamName();
        const e: NewEvent = { ...newEvent('ItemAssigned', { itemId: 'i-1', title: '整改软弱涣散村党组织' }), schemaVersion: 3 };
        const r = await store.append(s, [e], 'no_stream');
        const [got] = await store.readStream(s);
        // The chain links (hash-chain.ts) are checked by libs/integrity's specs; here only their shape.
        const { streamHash, globalHash, ...envelope } = got;
        for (const h of [streamHash, globalHash]) if (h !== undefined) expect(h).toMatch(/^[0-9a-f]{64}$/);
        expect(envelope).toEqual({
          id: e.id,
          stream: s,
          type: 'ItemAssigned',
          schemaVersion: 3,
          data: e.data,
          metadata: e.metadata,
          revision: 0,
          position: r.position,
          recordedAt: e.metadata.recordedAt,
        });
        expect(typeof got.position).toBe('bigint');
        const [fromAll] = await store.readAll({ after: r.position - 1n, limit: 1 });
        expect(fromAll).toEqual(got);
      });

      it('metadata round-trips, extra fields included', async () => {
        const s = streamName();
        const metadata = {
          actor: { userId: 'u-9', role: 'unit', unitId: 'unit-和平乡', name: '李四' },
          correlationId: 'req-1',
          causationId: 'cmd-1',
          recordedAt: '2026-05-04T08:00:00.000+08:00',
          idempotencyKey: 'k-1',
          nested: { a: [1, 2, { b: null }] },
        };
        await store.append(s, [newEvent('ItemAcknowledged', { itemId: 'i', unitId: 'u' }, metadata)], 'no_stream');
        const [got] = await store.readStream(s);
        expect(got.metadata).toEqual(metadata);
        expect(got.recordedAt).toBe(metadata.recordedAt);
      });

      it('recordedAt is set by the store when the appender leaves it out', async () => {
        const s = streamName();
        const e = newEvent();
        delete e.metadata.recordedAt;
        await store.append(s, [e], 'no_stream');
        const [got] = await store.readStream(s);
        expect(typeof got.recordedAt).toBe('string');
        expect(Number.isNaN(Date.parse(got.recordedAt))).toBe(false);
        expect(got.metadata.recordedAt).toBe(got.recordedAt);
        expect(got.metadata.correlationId).toBe(e.metadata.correlationId);
      });

      it('Chinese text and awkward JSON round-trip exactly', async () => {
        const s = streamName();
        const data = {
          title: '关于和平乡茶曲村软弱涣散党组织整顿的交办事项',
          requirements: '1.\t按期完成“三会一课”；\n2. 报送整改台账 \\ "引号" \u2028 \u0000 😀 𠀋',
          numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER],
          flags: [true, false, null],
          empty: { list: [], object: {}, text: '' },
        };
        await store.append(s, [newEvent('ItemAssigned', data)], 'no_stream');
        const [got] = await store.readStream(s);
        expect(got.data).toEqual(data);
        expect(JSON.stringify(got.data)).toBe(JSON.stringify(data));
      });

      it('a 500 KB payload round-trips byte-exactly', async () => {
        const s = streamName();
        const data = { itemId: 'i', summary: chinesePayload(500 * 1024) };
        await store.append(s, [newEvent('CompletionReported', data)], 'no_stream');
        const [got] = await store.readStream(s);
        expect(Buffer.from(JSON.stringify(got.data)).equals(Buffer.from(JSON.stringify(data)))).toBe(true);
      });

      it('an event over the size limit is rejected and nothing of its batch is written', async () => {
        const s = streamName();
        const head = await store.headPosition();
        const big = newEvent('CompletionReported', { itemId: 'i', summary: chinesePayload(DEFAULT_MAX_EVENT_BYTES + 1024) });
        const err = await expectRejection(store.append(s, [newEvent(), big, newEvent()], 'any'), EventTooLargeError);
        expect(err.code).toBe('EVENT_TOO_LARGE');
        expect(err.eventId).toBe(big.id);
        expect(err.limit).toBe(DEFAULT_MAX_EVENT_BYTES);
        expect(err.bytes).toBeGreaterThan(DEFAULT_MAX_EVENT_BYTES);
        expect(await store.readStream(s)).toEqual([]);
        expect(await store.headPosition()).toBe(head);
        expect((await store.append(s, [newEvent()], 'no_stream')).revision).toBe(0);
      });
    });

    describe('subscriptions', () => {
      const subscriptions: Subscription[] = [];
      afterEach(async () => {
        await Promise.all(subscriptions.splice(0).map((sub) => sub.stop()));
      });

      it(
        'catch-up hands over to live delivery while appends flow: every event exactly once, in order',
        async () => {
          const before = await store.headPosition();
          const streams = Array.from({ length: 20 }, () => streamName());
          for (let i = 0; i < 100; i++) await store.append(streams[i % 20], newEvents(10), 'any');
          const seen: StoredEvent[] = [];
          const sub = store.subscribe((batch) => void seen.push(...batch), { after: before, batchSize: 64 });
          subscriptions.push(sub);
          // Writers keep appending while the subscription catches up and goes live.
          const writers = Array.from({ length: 4 }, async (_, w) => {
            for (let i = 0; i < 50; i++) await store.append(streams[(w * 5 + i) % 20], newEvents(10), 'any');
          });
          await Promise.all(writers);
          const head = await store.headPosition();
          expect(await store.countEvents(before, head)).toBe(3000);
          expect(await sub.waitFor(head, 60_000)).toBe(true);
          expect(seen).toHaveLength(3000);
          expectGapFree(seen, before);
          const all = await store.readAll({ after: before, limit: 10_000 });
          expect(seen.map((e) => e.id)).toEqual(all.map((e) => e.id));
          expect(new Set(seen.map((e) => e.id)).size).toBe(3000);
        },
        LONG,
      );

      it('starts after its checkpoint, respects batchSize, reports caughtUp and its position', async () => {
        const s = streamName();
        const r = await store.append(s, newEvents(25), 'no_stream');
        const own = await store.readStream(s);
        const checkpoint = own[4].position;
        const batches: StoredEvent[][] = [];
        const sub = store.subscribe((batch) => void batches.push(batch), { after: checkpoint, batchSize: 6 });
        subscriptions.push(sub);
        await sub.caughtUp();
        expect(sub.position).toBe(r.position);
        const flat = batches.flat();
        expect(flat[0].position).toBe(own[5].position);
        expect(flat).toHaveLength(20);
        for (const b of batches) expect(b.length).toBeLessThanOrEqual(6);
      });

      it('waitFor answers true once handled and false on timeout', async () => {
        const head = await store.headPosition();
        const sub = store.subscribe(() => undefined, { after: head });
        subscriptions.push(sub);
        expect(await sub.waitFor(head)).toBe(true);
        expect(await sub.waitFor(head + 1n, 50)).toBe(false);
        const r = await store.append(streamName(), newEvents(1), 'no_stream');
        expect(await sub.waitFor(r.position, 30_000)).toBe(true);
      });

      it('a batch is handled before the next is delivered', async () => {
        const head = await store.headPosition();
        await store.append(streamName(), newEvents(30), 'no_stream');
        let active = 0;
        let maxActive = 0;
        const sub = store.subscribe(
          async () => {
            active++;
            maxActive = Math.max(maxActive, active);
            await new Promise<void>((r) => setImmediate(r));
            active--;
          },
          { after: head, batchSize: 5 },
        );
        subscriptions.push(sub);
        await sub.caughtUp();
        expect(maxActive).toBe(1);
      });

      it('stop() ends delivery', async () => {
        const head = await store.headPosition();
        let stoppedCount = 0;
        const stopped = store.subscribe((b) => void (stoppedCount += b.length), { after: head });
        const watcher = store.subscribe(() => undefined, { after: head });
        subscriptions.push(watcher);
        const first = await store.append(streamName(), newEvents(3), 'no_stream');
        expect(await stopped.waitFor(first.position, 30_000)).toBe(true);
        await stopped.stop();
        await stopped.done;
        const second = await store.append(streamName(), newEvents(3), 'no_stream');
        expect(await watcher.waitFor(second.position, 30_000)).toBe(true);
        expect(stoppedCount).toBe(3);
        expect(stopped.position).toBe(first.position);
      });

      it('a throwing handler rejects done and stops the subscription', async () => {
        const head = await store.headPosition();
        const r = await store.append(streamName(), newEvents(2), 'no_stream');
        const sub = store.subscribe(
          () => {
            throw new Error('projection failed');
          },
          { after: head },
        );
        subscriptions.push(sub);
        await expect(sub.done).rejects.toThrow('projection failed');
        expect(sub.position).toBe(head);
        expect(await sub.waitFor(r.position, 10)).toBe(false);
      });
    });
  });

  describe(`EventStore contract: ${name}, durability and several instances`, () => {
    let h: ContractHarness;
    beforeAll(async () => {
      h = await open();
    }, LONG);
    afterAll(async () => {
      await h?.cleanup();
    }, LONG);

    it('close() is harmless twice; what was acknowledged is there after reopening', async () => {
      if (!h.reopen) return expect(h.reopen).toBeUndefined();
      const s = streamName();
      const batch = newEvents(5);
      const r = await h.store.append(s, batch, 'no_stream');
      await h.store.close();
      await h.store.close();
      const again = await h.reopen();
      try {
        const events = await again.readStream(s);
        expect(events.map((e) => e.id)).toEqual(batch.map((e) => e.id));
        expect(await again.headPosition()).toBeGreaterThanOrEqual(r.position);
        expect(await again.append(s, batch, 'no_stream')).toEqual(r);
      } finally {
        await again.close();
      }
    });

    it("two instances on the same data: appends interleave gap-free and a subscription on one sees the other's appends", async () => {
      if (!h.reopen) return expect(h.reopen).toBeUndefined();
      const a = await h.reopen();
      const b = await h.reopen();
      try {
        const before = await a.headPosition();
        const seen: StoredEvent[] = [];
        const sub = a.subscribe((batch) => void seen.push(...batch), { after: before });
        const s = streamName();
        await a.append(s, newEvents(2), 'no_stream');
        await b.append(s, newEvents(2), 1);
        await a.append(s, newEvents(2), 3);
        await expectRejection(b.append(s, newEvents(1), 3), ConcurrencyError);
        const last = await b.append(s, newEvents(2), 5);
        expect(await sub.waitFor(last.position, 30_000)).toBe(true);
        await sub.stop();
        expect(seen).toHaveLength(8);
        expectGapFree(seen, before);
        expect(seen.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('a stream another instance moves between our appends: expectations and hash links see its events (a writer may keep stream heads between commits)', async () => {
      if (!h.reopen) return expect(h.reopen).toBeUndefined();
      const here = await h.reopen();
      const there = await h.reopen();
      try {
        const stream = streamName();
        // Warm whatever this instance keeps of the stream's head, then move the head from the other one.
        expect((await here.append(stream, [newEvent()], 'no_stream')).revision).toBe(0);
        expect((await there.append(stream, [newEvent()], 0)).revision).toBe(1);
        await expectRejection(here.append(stream, [newEvent()], 0), ConcurrencyError);
        expect((await here.append(stream, newEvents(2), 1)).revision).toBe(3);
        expect((await there.append(stream, [newEvent()], 3)).revision).toBe(4);
        // A group in which what is kept would be stale for one stream only.
        const other = streamName();
        const [a, b] = await Promise.all([here.append(stream, [newEvent()], 4), here.append(other, [newEvent()], 'no_stream')]);
        expect([a.revision, b.revision]).toEqual([5, 0]);
        const events = await here.readStream(stream);
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(events.map((e) => e.streamHash)).toEqual(linksFromDefinition(events, options.positionInLink !== false).map((l) => l.streamHash));
      } finally {
        await here.close();
        await there.close();
      }
    });
  });
}
