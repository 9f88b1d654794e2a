import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  EventStoreDBClient,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendResult as ClientAppendResult,
  type EventData,
  type Position,
} from '@eventstore/db-client';
import { eventually } from '@ledger/platform/testing/eventually';
import { ConcurrencyError, type StoredEvent } from '../port';
import { newEvents, streamName } from '../testing/contract-suite';
import { clientConnectionString, EventStoreDbStore, openEventStoreDbStore, type EventStoreDbClientPort } from './eventstoredb-event-store';

/*
 * The adapter's OWN logic, without a server: no EventStoreDB / KurrentDB can run on this machine, so
 * these tests give the adapter a small stand-in for the few client calls it makes (FakeEsdb below),
 * written to the client 6.2.1's documented behaviour: reads are inclusive of their start; a missing
 * stream throws StreamNotFoundError when read; an append with an expected revision that does not hold
 * throws WrongExpectedVersionError; an append answers { nextExpectedRevision, position: { commit,
 * prepare } } (the last event's); `$all` positions are byte offsets with other events between. What the
 * server itself does is checked only by the contract suite against a real server (LEDGER_ESDB_URL),
 * which was NOT run here.
 */

interface FakeRecord {
  streamId: string;
  id: string;
  type: string;
  revision: bigint;
  data: unknown;
  metadata: unknown;
  position: Position;
  created: Date;
  isJson: true;
  contentType: 'application/json';
}

const START = 'start';
const END = 'end';

class FakeEsdb {
  readonly log: FakeRecord[] = [];
  readonly calls: string[] = [];
  readonly live: (EventEmitter & { unsubscribe(): Promise<void>; dropped: boolean })[] = [];
  private offset = 1_000n;

  /** Another application's event between ours: positions are byte offsets, not counts. */
  foreign(): void {
    this.write('$stats-node', '$statsCollected', {}, {});
  }

  private write(streamId: string, type: string, data: unknown, metadata: unknown, id: string = randomUUID()): FakeRecord {
    this.offset += 137n + BigInt(this.log.length % 5) * 61n;
    const revision = BigInt(this.log.filter((r) => r.streamId === streamId).length);
    const r: FakeRecord = {
      streamId,
      id,
      type,
      revision,
      data,
      metadata,
      position: { commit: this.offset, prepare: this.offset },
      created: new Date(0),
      isJson: true,
      contentType: 'application/json',
    };
    this.log.push(r);
    return r;
  }

  private stream(name: string): FakeRecord[] {
    return this.log.filter((r) => r.streamId === name);
  }

  async appendToStream(streamName: string, events: EventData | EventData[], options: { expectedRevision?: unknown } = {}): Promise<ClientAppendResult> {
    this.calls.push(`append ${streamName}`);
    const list = Array.isArray(events) ? events : [events];
    const own = this.stream(streamName);
    const current = own.length ? BigInt(own.length - 1) : NO_STREAM;
    const expected = options.expectedRevision ?? 'any';
    const holds =
      expected === 'any' || (expected === NO_STREAM ? current === NO_STREAM : expected === 'stream_exists' ? current !== NO_STREAM : expected === current);
    if (!holds) throw new WrongExpectedVersionError(undefined, { streamName, expected: expected as bigint, current });
    let last: FakeRecord | undefined;
    for (const e of list) last = this.write(streamName, e.type, e.data, e.metadata, e.id);
    for (const sub of this.live) if (!sub.dropped) sub.emit('data', { event: last });
    return { success: true, nextExpectedRevision: last!.revision, position: { ...last!.position } };
  }

  readStream(
    name: string,
    options: { direction?: string; fromRevision?: bigint | string; maxCount?: number | bigint } = {},
  ): AsyncIterable<{ event: FakeRecord }> {
    this.calls.push(`readStream ${name} ${options.direction ?? 'forwards'}`);
    const own = this.stream(name);
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    return (async function* () {
      if (own.length === 0) throw new StreamNotFoundError(undefined, name);
      if (options.direction === 'backwards') {
        const from = options.fromRevision === END || options.fromRevision === undefined ? own.length - 1 : Number(options.fromRevision);
        for (let i = from, n = 0; i >= 0 && n < max; i--, n++) yield { event: own[i] };
      } else {
        const from = options.fromRevision === START || options.fromRevision === undefined ? 0 : Number(options.fromRevision);
        for (let i = from, n = 0; i < own.length && n < max; i++, n++) yield { event: own[i] };
      }
    })();
  }

  readAll(options: { direction?: string; fromPosition?: Position | string; maxCount?: number | bigint } = {}): AsyncIterable<{ event: FakeRecord }> {
    const log = this.log;
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    return (async function* () {
      if (options.direction === 'backwards') {
        const from = options.fromPosition === END || options.fromPosition === undefined ? Infinity : Number((options.fromPosition as Position).prepare);
        const list = log.filter((r) => Number(r.position.prepare) <= from).reverse();
        for (const r of list.slice(0, max)) yield { event: r };
      } else {
        const from = options.fromPosition === START || options.fromPosition === undefined ? 0n : (options.fromPosition as Position).prepare;
        for (const r of log.filter((x) => x.position.prepare >= from).slice(0, max)) yield { event: r };
      }
    })();
  }

  subscribeToAll(): EventEmitter & { unsubscribe(): Promise<void> } {
    this.calls.push('subscribeToAll');
    const sub = Object.assign(new EventEmitter(), {
      dropped: false,
      unsubscribe: async () => {
        sub.dropped = true;
      },
    });
    this.live.push(sub);
    return sub;
  }

  /** The server drops the live subscription (restart, leader change). */
  drop(): void {
    const sub = this.live[this.live.length - 1];
    sub.dropped = true;
    sub.emit('error', new Error('14 UNAVAILABLE: Connection dropped'));
  }

  async dispose(): Promise<void> {}
}

function storeOn(fake: FakeEsdb, options: { fallbackPollMs?: number; resubscribeMs?: number } = {}): EventStoreDbStore {
  return new EventStoreDbStore(fake as unknown as EventStoreDbClientPort, { url: 'esdb://fake', ...options });
}

describe('EventStoreDB adapter, its own logic (a stand-in client: no server runs here)', () => {
  describe('connection strings', () => {
    it('rewrites kurrentdb:// and kdb:// (and +discover) to the esdb forms client 6.2.1 parses; leaves esdb ones alone', () => {
      expect(clientConnectionString('kurrentdb://localhost:2113?tls=false')).toBe('esdb://localhost:2113?tls=false');
      expect(clientConnectionString('kdb://admin:changeit@db-1:2113')).toBe('esdb://admin:changeit@db-1:2113');
      expect(clientConnectionString('kurrentdb+discover://a:2113,b:2113?tls=true')).toBe('esdb+discover://a:2113,b:2113?tls=true');
      expect(clientConnectionString('kdb+discover://a:2113')).toBe('esdb+discover://a:2113');
      expect(clientConnectionString('KurrentDB://h:2113')).toBe('esdb://h:2113');
      expect(clientConnectionString('esdb://h:2113?tls=false')).toBe('esdb://h:2113?tls=false');
      expect(clientConnectionString('esdb+discover://h:2113')).toBe('esdb+discover://h:2113');
    });

    it('the client itself refuses kurrentdb://; the adapter opens on it (no connection is made before the first call)', async () => {
      expect(() => EventStoreDBClient.connectionString('kurrentdb://localhost:2113?tls=false')).toThrow(/esdb:\/\/ or esdb\+discover:\/\//);
      for (const url of ['kurrentdb://localhost:2113?tls=false', 'kdb://localhost:2113?tls=false']) {
        const store = openEventStoreDbStore({ url });
        expect(store.engine).toBe('eventstoredb');
        await store.close();
      }
    });
  });

  describe('appends', () => {
    it('a retried append answers its original result whatever it expected (no_stream, a number, any); a real conflict is still refused', async () => {
      const fake = new FakeEsdb();
      const store = storeOn(fake);
      try {
        const s = streamName();
        const batch = newEvents(3);
        fake.foreign();
        const first = await store.append(s, batch, 'no_stream');
        expect(first).toEqual({ revision: 2, position: fake.log[fake.log.length - 1].position.prepare });
        fake.foreign();
        const next = newEvents(2);
        const second = await store.append(s, next, 2);
        expect(await store.append(s, batch, 'no_stream')).toEqual(first);
        expect(await store.append(s, next, 2)).toEqual(second);
        expect(await store.append(s, batch, 'any')).toEqual(first);
        expect(await store.append(s, next, 'stream_exists')).toEqual(second);
        // Nothing written twice.
        expect(fake.log.filter((r) => r.streamId === s)).toHaveLength(5);
        // New events against a stale expectation: refused, with the stream's actual revision.
        const stale = store.append(s, newEvents(1), 2);
        await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(stale).rejects.toMatchObject({ expected: 2, actual: 4 });
        await expect(store.append(s, newEvents(1), 'no_stream')).rejects.toMatchObject({ expected: 'no_stream', actual: 4 });
        expect(fake.log.filter((r) => r.streamId === s)).toHaveLength(5);
      } finally {
        await store.close();
      }
    });

    it("takes the position from the append's answer, not from reading the stream back", async () => {
      const fake = new FakeEsdb();
      const store = storeOn(fake);
      try {
        const s = streamName();
        fake.foreign();
        const r = await store.append(s, newEvents(4), 'no_stream');
        const stored = fake.log.filter((x) => x.streamId === s);
        expect(r).toEqual({ revision: 3, position: stored[3].position.commit });
        // Before the append: one backward read of the stream's tip; after it, no read at all.
        expect(fake.calls.slice(fake.calls.indexOf(`append ${s}`) + 1)).toEqual([]);
        // And it is the position every read gives that event.
        const [viaAll] = (await store.readAll({ after: stored[2].position.prepare, limit: 1 })) as StoredEvent[];
        expect(viaAll.position).toBe(r.position);
      } finally {
        await store.close();
      }
    });
  });

  describe('live subscription', () => {
    it('is made again after the server drops it, and the events appended meanwhile are handed over once each, in order', async () => {
      const fake = new FakeEsdb();
      // The fallback poll far beyond the test's deadlines: only the live subscription can wake delivery.
      const store = storeOn(fake, { fallbackPollMs: 600_000, resubscribeMs: 5 });
      const seen: StoredEvent[] = [];
      const sub = store.subscribe((batch) => void seen.push(...batch), { after: 0n });
      try {
        const s = streamName();
        await store.append(s, newEvents(2), 'no_stream');
        await eventually('the first two events', () => seen.length === 2, { timeoutMs: 20_000 });
        expect(store.liveSubscriptions).toBe(1);

        fake.drop();
        // Appended while no live subscription is there: nobody is woken for these.
        fake.foreign();
        await store.append(s, newEvents(2), 1);
        await eventually('the live subscription made again', () => store.liveSubscriptions === 2, { timeoutMs: 20_000 });
        await eventually('the events appended while it was down', () => seen.length === 4, { timeoutMs: 20_000 });
        await store.append(s, newEvents(1), 3);
        await eventually('an event after it came back', () => seen.length === 5, { timeoutMs: 20_000 });

        const ours = fake.log.filter((r) => r.streamId === s);
        expect(seen.map((e) => e.id)).toEqual(ours.map((r) => r.id));
        expect(seen.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
        expect(seen.every((e, i) => i === 0 || e.position > seen[i - 1].position)).toBe(true);
        expect(sub.position).toBe(ours[4].position.prepare);
      } finally {
        await sub.stop();
        await store.close();
      }
    });
  });
});
