import { Inject, Injectable, Optional } from '@nestjs/common';
import { SCHEMA_VERSIONS, isEventType, upcast, type LedgerEvent } from '@ledger/contracts/events';
import { isRejection, type CommandContext, type Decider } from '@ledger/domain';
import { ConcurrencyError, type EventStore, type NewEvent, type StoredEvent } from '@ledger/event-store';
import { DEFAULT_COMMAND_CACHE_STREAMS, countyDate, countyInstant, uuidV5, type Clock, type LedgerConfig } from '@ledger/platform';
import { v4 as uuidv4 } from 'uuid';
import { IntegrityState } from '../audit/integrity-state';
import { CLOCK, EVENT_STORE, LEDGER_CONFIG } from '../platform/tokens';
import { NotFoundProblem, RejectedProblem, StaleRevisionProblem } from '../problem-details/errors';
import type { CommandMeta } from './command-meta';
import { CommandMetrics } from './command-metrics';

/** A namespace of our own for UUID v5: event ids derived from an Idempotency-Key. */
const IDEMPOTENT_IDS = '6f1c2a8e-3b4d-5e6f-8a9b-0c1d2e3f4a5b';

export interface Folded<S> {
  state: S;
  /** Revision of the last event; null when the stream does not exist. */
  revision: number | null;
  /** The events this read returned: the whole stream from `fold`; on the command path only those after the state it kept. */
  events: StoredEvent[];
}

/** A stream's folded state kept between commands, with a 32-bit hash of each event id (for the replay check). */
interface KeptFold {
  decider: object;
  state: unknown;
  revision: number;
  idHashes: number[];
}

/** FNV-1a over the UTF-16 code units: a miss proves an id absent; a hit is checked against the stream. */
function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h | 0;
}

export interface CommandResult {
  id: string;
  revision: number;
  position: string;
}

export interface StreamCommand<C, S> {
  stream: string;
  decider: Decider<C, S, LedgerEvent>;
  /** `existing`: 404 when the stream is empty (a command on an unknown id). `create`: a new stream. */
  mode: 'create' | 'existing';
  /** The id answered to the client. */
  id: string;
  notFound?: { code: string; message: string };
  /**
   * Builds the command from the folded state and the context, resolving the facts the decider needs
   * (scope, existence of other records). Runs again on every retry.
   */
  build: (folded: Folded<S>, context: CommandContext) => Promise<C> | C;
  /** True when the outcome does not depend on what was read (urge, progress): a conflict is retried. */
  retryOnConflict?: boolean;
  /** Checked against If-Match (item commands). */
  honourIfMatch?: boolean;
  /**
   * Appended after the decision and before the stream's own events, with the events to be appended:
   * a claim on another stream that serialises decisions reading more than their own stream. Its
   * ConcurrencyError (a stream other than the command's) means the facts were stale: decided again.
   */
  claim?: (events: NewEvent[], folded: Folded<S>, context: CommandContext) => Promise<void>;
}

const MAX_ATTEMPTS = 4;

/**
 * Folding a whole stream for every command (read, decode, evolve) was most of a command's work. The
 * state folded at a revision never changes (the log is append-only), so it is kept, and the next
 * command reads only the events after it — appended by anyone, this process or another.
 */
class KeptFolds {
  private readonly folds = new Map<string, KeptFold>();

  /** Most streams whose folded state is kept (LEDGER_COMMAND_CACHE_STREAMS); the least recently used go first. */
  constructor(private readonly limit: number) {}

  get(stream: string, decider: object): KeptFold | undefined {
    const kept = this.folds.get(stream);
    if (!kept || kept.decider !== decider) return undefined;
    this.folds.delete(stream);
    this.folds.set(stream, kept);
    return kept;
  }

  keep(stream: string, fold: KeptFold): void {
    const kept = this.folds.get(stream);
    if (kept && kept.decider === fold.decider && kept.revision >= fold.revision) return;
    this.folds.delete(stream);
    this.folds.set(stream, fold);
    if (this.folds.size > this.limit) this.folds.delete(this.folds.keys().next().value as string);
  }
}

/**
 * The one command path: read stream → upcast + fold evolve → decide → append with the expected
 * revision. No per-aggregate repositories.
 */
@Injectable()
export class CommandPath {
  private readonly kept: KeptFolds;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: CommandMetrics,
    @Optional() @Inject(LEDGER_CONFIG) config?: Pick<LedgerConfig, 'commandCacheStreams'>,
    @Optional() private readonly integrity?: IntegrityState,
  ) {
    this.kept = new KeptFolds(config?.commandCacheStreams ?? DEFAULT_COMMAND_CACHE_STREAMS);
  }

  context(meta: CommandMeta): CommandContext {
    const now = this.clock.now();
    return { actor: meta.actor, now: countyInstant(now), today: countyDate(now) };
  }

  async fold<S>(stream: string, decider: Pick<Decider<unknown, S, LedgerEvent>, 'initialState' | 'evolve'>): Promise<Folded<S>> {
    const events = await this.store.readStream(stream);
    let state = decider.initialState();
    for (const e of events) {
      if (!isEventType(e.type)) throw new Error(`stream ${stream} holds an unknown event type ${e.type}`);
      state = decider.evolve(state, { type: e.type, data: upcast(e.type, e.schemaVersion, e.data) } as LedgerEvent);
    }
    const revision = events.length ? events[events.length - 1].revision : null;
    if (revision !== null) this.kept.keep(stream, { decider, state, revision, idHashes: events.map((e) => idHash(e.id)) });
    return { state, revision, events };
  }

  /** The stream's current state: the kept one brought up to date with the events after it (or a whole fold). */
  async foldLatest<S>(stream: string, decider: Pick<Decider<unknown, S, LedgerEvent>, 'initialState' | 'evolve'>): Promise<Folded<S> & { idHashes: number[] }> {
    const kept = this.kept.get(stream, decider);
    if (!kept) {
      const folded = await this.fold(stream, decider);
      return { ...folded, idHashes: folded.events.map((e) => idHash(e.id)) };
    }
    const events = await this.store.readStream(stream, kept.revision + 1);
    if (events.length === 0) return { state: kept.state as S, revision: kept.revision, events, idHashes: kept.idHashes };
    if (events[0].revision !== kept.revision + 1) {
      const folded = await this.fold(stream, decider);
      return { ...folded, idHashes: folded.events.map((e) => idHash(e.id)) };
    }
    let state = kept.state as S;
    for (const e of events) {
      if (!isEventType(e.type)) throw new Error(`stream ${stream} holds an unknown event type ${e.type}`);
      state = decider.evolve(state, { type: e.type, data: upcast(e.type, e.schemaVersion, e.data) } as LedgerEvent);
    }
    const revision = events[events.length - 1].revision;
    const idHashes = kept.idHashes.concat(events.map((e) => idHash(e.id)));
    this.kept.keep(stream, { decider, state, revision, idHashes });
    return { state, revision, events, idHashes };
  }

  /** Deterministic ids under an Idempotency-Key, so that a retry after a crash appends nothing new. */
  eventId(meta: CommandMeta, stream: string, index: number): string {
    return meta.idempotencyKey === null ? uuidv4() : uuidV5(`${meta.idempotencyKey}\n${stream}\n${index}`, IDEMPOTENT_IDS);
  }

  /** An id for a record the server names (no client id): stable under an Idempotency-Key. */
  newId(meta: CommandMeta, purpose = 'id'): string {
    return meta.idempotencyKey === null ? uuidv4() : uuidV5(`${meta.idempotencyKey}\n${purpose}`, IDEMPOTENT_IDS);
  }

  async execute<C, S>(cmd: StreamCommand<C, S>, meta: CommandMeta, commandName: string): Promise<CommandResult> {
    for (let attempt = 1; ; attempt++) {
      const folded = await this.foldLatest(cmd.stream, cmd.decider);
      // Under an Idempotency-Key, this request's first event id among the stream's ids: read it all and look.
      if (meta.idempotencyKey !== null && folded.idHashes.includes(idHash(this.eventId(meta, cmd.stream, 0)))) {
        const replay = this.alreadyAppended((await this.fold(cmd.stream, cmd.decider)).events, meta, cmd.stream);
        if (replay) return { id: cmd.id, revision: replay.revision, position: replay.position.toString() };
      }
      if (cmd.mode === 'existing' && folded.revision === null) {
        const nf = cmd.notFound ?? { code: 'NOT_FOUND', message: `${cmd.stream} does not exist` };
        throw new NotFoundProblem(nf.code, nf.message);
      }
      if (cmd.honourIfMatch && meta.ifMatch !== null && meta.ifMatch !== folded.revision) {
        throw new StaleRevisionProblem(meta.ifMatch, folded.revision);
      }
      const context = this.context(meta);
      const command = await cmd.build(folded, context);
      const decision = cmd.decider.decide(command, folded.state);
      if (isRejection(decision)) {
        this.metrics.rejected(commandName, decision.code);
        throw new RejectedProblem(decision);
      }
      try {
        const newEvents = this.newEvents(cmd.stream, decision, meta, context);
        if (cmd.claim && newEvents.length > 0) await cmd.claim(newEvents, folded, context);
        const result = await this.appendNew(cmd.stream, newEvents, folded.revision ?? 'no_stream');
        this.metrics.appended(commandName, decision.length);
        return { id: cmd.id, revision: result.revision, position: result.position.toString() };
      } catch (e) {
        // A stale If-Match already failed above; a conflict here means someone wrote in between.
        if (e instanceof ConcurrencyError && (cmd.retryOnConflict || e.stream !== cmd.stream) && attempt < MAX_ATTEMPTS) continue;
        if (e instanceof ConcurrencyError) this.metrics.conflict(commandName);
        throw e;
      }
    }
  }

  append(stream: string, events: LedgerEvent[], expected: number | 'no_stream', meta: CommandMeta, context: CommandContext) {
    return this.appendNew(stream, this.newEvents(stream, events, meta, context), expected);
  }

  /** The events as the store takes them: ids (derived under an Idempotency-Key), schema versions, metadata. */
  newEvents(stream: string, events: LedgerEvent[], meta: CommandMeta, context: CommandContext): NewEvent[] {
    return events.map((e, i) => ({
      id: this.eventId(meta, stream, i),
      type: e.type,
      schemaVersion: SCHEMA_VERSIONS[e.type],
      data: e.data,
      metadata: {
        actor: meta.actor,
        correlationId: meta.correlationId,
        causationId: meta.commandId,
        recordedAt: context.now,
      },
    }));
  }

  private async appendNew(stream: string, newEvents: NewEvent[], expected: number | 'no_stream') {
    if (newEvents.length === 0) {
      // A decider that accepts without a change: answer the current revision, write nothing.
      const head = await this.store.readStream(stream);
      const last = head[head.length - 1];
      return { revision: last?.revision ?? -1, position: last?.position ?? 0n };
    }
    // Every write of the API goes through here (commands, the deadline process): LEDGER_ON_TAMPER.
    this.integrity?.assertWritable();
    return this.store.append(stream, newEvents, expected);
  }

  /** Under an Idempotency-Key, events this very request already appended (before a crash). */
  private alreadyAppended(events: StoredEvent[], meta: CommandMeta, stream: string): StoredEvent | null {
    if (meta.idempotencyKey === null || events.length === 0) return null;
    const first = this.eventId(meta, stream, 0);
    const start = events.findIndex((e) => e.id === first);
    if (start < 0) return null;
    let last = events[start];
    for (let i = 1; start + i < events.length && events[start + i].id === this.eventId(meta, stream, i); i++) last = events[start + i];
    return last;
  }
}
