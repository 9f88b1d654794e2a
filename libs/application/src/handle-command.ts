import { SCHEMA_VERSIONS, isEventType, upcast, type Actor, type LedgerEvent } from '@ledger/contracts/events';
import { isRejection, type CommandContext, type Decider, type Rejection } from '@ledger/domain';
import { ConcurrencyError, DuplicateEventIdError, type EventStore, type NewEvent, type StoredEvent } from '@ledger/event-store';
import type { ChainBreak } from '@ledger/integrity';
import { DEFAULT_COMMAND_CACHE_STREAMS, countyDate, countyInstant, uuidV5, type Clock } from '@ledger/platform';
import { v4 as uuidv4 } from 'uuid';

/** Who sends a command and how: everything of a request the loop needs besides the command itself. */
export interface CommandMeta {
  actor: Actor;
  /** The request (X-Request-Id or generated): every event of one request shares it. */
  correlationId: string;
  /** This command's id: the causation id of the events it produces. */
  commandId: string;
  /** `Idempotency-Key`, scoped by user and route; null without one. */
  idempotencyKey: string | null;
  /** The revision the client saw (`If-Match`); null without one. */
  ifMatch: number | null;
  /**
   * Awaited before the request's first append (the API: its access-audit entry, so that a command the
   * trail cannot record appends nothing); throwing stops the command.
   */
  beforeAppend?: () => Promise<void>;
}

export interface Folded<S> {
  state: S;
  /** Revision of the last event; null when the stream does not exist. */
  revision: number | null;
  /** The events this read returned: the whole stream from `fold`; from `foldLatest` only those after the state it kept. */
  events: StoredEvent[];
}

export interface StreamCommand<C, S> {
  /** The command's name, as metrics count it. */
  name: string;
  stream: string;
  decider: Decider<C, S, LedgerEvent>;
  /** `existing`: not found when the stream is empty (a command on an unknown id). `create`: a new stream. */
  mode: 'create' | 'existing';
  /** The id answered to the client. */
  id: string;
  notFound?: { code: string; message: string };
  /**
   * Builds the command from the folded state and the context, resolving the facts the decider needs
   * (scope, existence of other records); a rejection here is the outcome. Runs again on every retry.
   */
  build: (folded: Folded<S>, context: CommandContext) => Promise<C | Rejection> | C | Rejection;
  /** True when the outcome does not depend on what was read (urge, progress): a conflict is retried. */
  retryOnConflict?: boolean;
  /** Checked against `meta.ifMatch` (item commands). */
  honourIfMatch?: boolean;
  /**
   * The ids of the events this command appends, when the caller derives them itself (a sheet import:
   * from the file and the row); they also find a replay, as an Idempotency-Key's ids do.
   */
  eventId?: (index: number) => string;
  /**
   * Appended after the decision and before the stream's own events, with the events to be appended:
   * a claim on another stream that serialises decisions reading more than their own stream. Its
   * ConcurrencyError (a stream other than the command's) means the facts were stale: decided again.
   */
  claim?: (events: NewEvent[], folded: Folded<S>, context: CommandContext) => Promise<void>;
}

/** What became of a command: every answer is a value, the caller (HTTP, CLI, a worker) says what it means. */
export type CommandOutcome =
  | { kind: 'appended'; id: string; revision: number; position: bigint; events: number }
  /** The events of this Idempotency-Key were already appended (a retry after a crash): nothing new. */
  | { kind: 'replayed'; id: string; revision: number; position: bigint }
  | { kind: 'rejected'; rejection: Rejection }
  | { kind: 'not_found'; code: string; message: string }
  | { kind: 'stale_revision'; expected: number; actual: number | null }
  /** Another writer kept winning (or the command may not be decided again on what it read). */
  | { kind: 'conflict'; stream: string }
  /** The ledger's hash chain is broken and the policy refuses writes (LEDGER_ON_TAMPER). */
  | { kind: 'write_refused'; firstBreak: ChainBreak };

export interface CommandLoopOptions {
  /** Most streams whose folded state is kept (LEDGER_COMMAND_CACHE_STREAMS). */
  keptStreams?: number;
  /** A break that refuses every write, or null: asked before each append. */
  writeRefusal?: () => ChainBreak | null;
  /** Told every outcome of `handleCommand` (metrics). */
  observe?: (command: string, outcome: CommandOutcome) => void;
}

/** A namespace of our own for UUID v5: event ids derived from an Idempotency-Key. */
const IDEMPOTENT_IDS = '6f1c2a8e-3b4d-5e6f-8a9b-0c1d2e3f4a5b';
const MAX_ATTEMPTS = 4;

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

type Folds<S> = Pick<Decider<unknown, S, LedgerEvent>, 'initialState' | 'evolve'>;

/**
 * The store, the clock and the folds kept between commands: what `handleCommand` runs on. Folding a
 * whole stream for every command was most of a command's work; the state folded at a revision never
 * changes (the log is append-only), so it is kept (least recently used first out), and the next
 * command reads only the events after it, appended by anyone, this process or another.
 */
export class CommandLoop {
  private readonly folds = new Map<string, KeptFold>();
  private readonly limit: number;

  constructor(
    readonly store: EventStore,
    readonly clock: Clock,
    readonly options: CommandLoopOptions = {},
  ) {
    this.limit = options.keptStreams ?? DEFAULT_COMMAND_CACHE_STREAMS;
  }

  context(meta: CommandMeta): CommandContext {
    const now = this.clock.now();
    return { actor: meta.actor, now: countyInstant(now), today: countyDate(now) };
  }

  /** The whole stream, folded (and kept). */
  async fold<S>(stream: string, decider: Folds<S>): Promise<Folded<S>> {
    const events = await this.store.readStream(stream);
    const state = evolveAll(stream, decider, decider.initialState(), events);
    const revision = events.length ? events[events.length - 1].revision : null;
    if (revision !== null) this.keep(stream, { decider, state, revision, idHashes: events.map((e) => idHash(e.id)) });
    return { state, revision, events };
  }

  /** The stream's current state: the kept one brought up to date with the events after it (or a whole fold). */
  async foldLatest<S>(stream: string, decider: Folds<S>): Promise<Folded<S> & { idHashes: number[] }> {
    const kept = this.keptFold(stream, decider);
    const events = kept ? await this.store.readStream(stream, kept.revision + 1) : [];
    if (!kept || (events.length > 0 && events[0].revision !== kept.revision + 1)) {
      const folded = await this.fold(stream, decider);
      return { ...folded, idHashes: folded.events.map((e) => idHash(e.id)) };
    }
    if (events.length === 0) return kept;
    const state = evolveAll(stream, decider, kept.state, events);
    const revision = events[events.length - 1].revision;
    const idHashes = kept.idHashes.concat(events.map((e) => idHash(e.id)));
    this.keep(stream, { decider, state, revision, idHashes });
    return { state, revision, events, idHashes };
  }

  /** The kept fold as it stands, the stream not read: current only if an append at its revision succeeds. */
  keptFold<S>(stream: string, decider: Folds<S>): (Folded<S> & { revision: number; idHashes: number[] }) | undefined {
    const kept = this.kept(stream, decider);
    return kept && { state: kept.state as S, revision: kept.revision, events: [], idHashes: kept.idHashes };
  }

  /**
   * Keeps the fold brought up to `revision` with the events the loop itself just appended on it: the
   * append's expected revision proved nothing came between, so the next command on the stream reads
   * only what others append after them. The data go through JSON as the store keeps them, so that the
   * state is the one a read of the stream would fold.
   */
  keepAppended<S>(stream: string, decider: Folds<S>, folded: Folded<S> & { idHashes: number[] }, appended: NewEvent[], revision: number): void {
    if ((folded.revision ?? -1) + appended.length !== revision) return;
    const events = appended.map((e) => ({ type: e.type, schemaVersion: e.schemaVersion, data: JSON.parse(JSON.stringify(e.data ?? null)) }) as StoredEvent);
    const state = evolveAll(stream, decider, folded.state, events);
    this.keep(stream, { decider, state, revision, idHashes: folded.idHashes.concat(appended.map((e) => idHash(e.id))) });
  }

  /** Deterministic ids under an Idempotency-Key, so that a retry after a crash appends nothing new. */
  eventId(meta: CommandMeta, stream: string, index: number): string {
    return meta.idempotencyKey === null ? uuidv4() : uuidV5(`${meta.idempotencyKey}\n${stream}\n${index}`, IDEMPOTENT_IDS);
  }

  /** An id for a record the server names (no client id): stable under an Idempotency-Key. */
  newId(meta: CommandMeta, purpose = 'id'): string {
    return meta.idempotencyKey === null ? uuidv4() : uuidV5(`${meta.idempotencyKey}\n${purpose}`, IDEMPOTENT_IDS);
  }

  /** The envelope: events as the store takes them, with ids (derived under an Idempotency-Key), schema versions, metadata. */
  newEvents(stream: string, events: LedgerEvent[], meta: CommandMeta, context: CommandContext, ids?: (index: number) => string): NewEvent[] {
    return events.map((e, i) => ({
      id: ids ? ids(i) : this.eventId(meta, stream, i),
      type: e.type,
      schemaVersion: SCHEMA_VERSIONS[e.type],
      data: e.data,
      metadata: { actor: meta.actor, correlationId: meta.correlationId, causationId: meta.commandId, recordedAt: context.now },
    }));
  }

  /**
   * Appends decided events outside `handleCommand` (claims, bootstrap); throws ConcurrencyError on a
   * stale expected revision, and WriteRefusedError when the ledger refuses writes.
   */
  async append(stream: string, events: LedgerEvent[], expected: number | 'no_stream', meta: CommandMeta, context: CommandContext) {
    const refusal = this.options.writeRefusal?.() ?? null;
    if (refusal) throw new WriteRefusedError(refusal);
    if (events.length > 0) await meta.beforeAppend?.();
    return this.appendNew(stream, this.newEvents(stream, events, meta, context), expected);
  }

  /** @internal the loop's own append: no write check (the loop made it). */
  async appendNew(stream: string, newEvents: NewEvent[], expected: number | 'no_stream'): Promise<{ revision: number; position: bigint }> {
    if (newEvents.length === 0) {
      // A decider that accepts without a change: answer the current revision, write nothing.
      const head = await this.store.readStream(stream);
      const last = head[head.length - 1];
      return { revision: last?.revision ?? -1, position: last?.position ?? 0n };
    }
    return this.store.append(stream, newEvents, expected);
  }

  /** Under an Idempotency-Key, the last of the events this very request already appended (before a crash). */
  alreadyAppended(events: StoredEvent[], meta: CommandMeta, stream: string, ids?: (index: number) => string): StoredEvent | null {
    if ((!ids && meta.idempotencyKey === null) || events.length === 0) return null;
    const idOf = ids ?? ((i: number) => this.eventId(meta, stream, i));
    const start = events.findIndex((e) => e.id === idOf(0));
    if (start < 0) return null;
    let last = events[start];
    for (let i = 1; start + i < events.length && events[start + i].id === idOf(i); i++) last = events[start + i];
    return last;
  }

  private kept(stream: string, decider: object): KeptFold | undefined {
    const kept = this.folds.get(stream);
    if (!kept || kept.decider !== decider) return undefined;
    this.folds.delete(stream);
    this.folds.set(stream, kept);
    return kept;
  }

  private keep(stream: string, fold: KeptFold): void {
    const kept = this.folds.get(stream);
    if (kept && kept.decider === fold.decider && kept.revision >= fold.revision) return;
    this.folds.delete(stream);
    this.folds.set(stream, fold);
    if (this.folds.size > this.limit) this.folds.delete(this.folds.keys().next().value as string);
  }
}

/** Thrown by `CommandLoop.append` (outside the loop, which answers `write_refused` instead). */
export class WriteRefusedError extends Error {
  constructor(readonly firstBreak: ChainBreak) {
    super(`writes are refused: the ledger's hash chain is broken at position ${firstBreak.position}`);
  }
}

function evolveAll<S>(stream: string, decider: Folds<S>, state: S, events: StoredEvent[]): S {
  for (const e of events) {
    if (!isEventType(e.type)) throw new Error(`stream ${stream} holds an unknown event type ${e.type}`);
    state = decider.evolve(state, { type: e.type, data: upcast(e.type, e.schemaVersion, e.data) } as LedgerEvent);
  }
  return state;
}

/**
 * The one command loop: the stream's state (the kept fold, or read) → decide → append with the
 * expected revision, again on a conflict it may retry. Every outcome is a value; only the store's and the
 * facts' own failures (a full disk, read models behind) are thrown.
 */
export async function handleCommand<C, S>(loop: CommandLoop, cmd: StreamCommand<C, S>, meta: CommandMeta): Promise<CommandOutcome> {
  const outcome = await decideAndAppend(loop, cmd, meta);
  loop.options.observe?.(cmd.name, outcome);
  return outcome;
}

/**
 * A kept fold is decided on first without reading the stream (on PostgreSQL a read is a round trip to
 * the server, as much as the append): an append at its revision proves nothing came between. Every
 * other answer (a rejection, stale_revision, a conflict, a decision with no events, an id already
 * stored) is given only from a read, so that a fold another writer made stale decides nothing. A
 * command with a claim reads first: its claim would be appended before the stale fold was found out.
 */
async function decideAndAppend<C, S>(loop: CommandLoop, cmd: StreamCommand<C, S>, meta: CommandMeta): Promise<CommandOutcome> {
  const kept = cmd.claim ? undefined : loop.keptFold(cmd.stream, cmd.decider);
  if (kept) {
    const outcome = await decideOn(loop, cmd, meta, kept).catch((e: unknown) => {
      // This request's ids, appended by another process after the kept fold and decided there on what it read.
      if (e instanceof DuplicateEventIdError) return null;
      throw e;
    });
    if (outcome?.kind === 'replayed' || (outcome?.kind === 'appended' && outcome.events > 0)) return outcome;
  }
  for (let attempt = 1; ; attempt++) {
    const outcome = await decideOn(loop, cmd, meta, await loop.foldLatest(cmd.stream, cmd.decider));
    if (outcome.kind !== 'conflict' || outcome.retry === false || attempt >= MAX_ATTEMPTS) return withoutRetry(outcome);
  }
}

/** An outcome, its conflict telling whether the command may be decided again. */
type Attempt = Exclude<CommandOutcome, { kind: 'conflict' }> | { kind: 'conflict'; stream: string; retry: boolean };

function withoutRetry(outcome: Attempt): CommandOutcome {
  return outcome.kind === 'conflict' ? { kind: 'conflict', stream: outcome.stream } : outcome;
}

async function decideOn<C, S>(loop: CommandLoop, cmd: StreamCommand<C, S>, meta: CommandMeta, folded: Folded<S> & { idHashes: number[] }): Promise<Attempt> {
  // Under an Idempotency-Key (or ids of the caller's), this request's first event id among the stream's ids: read it all and look.
  const firstId = cmd.eventId ? cmd.eventId(0) : meta.idempotencyKey !== null ? loop.eventId(meta, cmd.stream, 0) : null;
  if (firstId !== null && folded.idHashes.includes(idHash(firstId))) {
    const replay = loop.alreadyAppended((await loop.fold(cmd.stream, cmd.decider)).events, meta, cmd.stream, cmd.eventId);
    if (replay) return { kind: 'replayed', id: cmd.id, revision: replay.revision, position: replay.position };
  }
  if (cmd.mode === 'existing' && folded.revision === null) {
    return { kind: 'not_found', ...(cmd.notFound ?? { code: 'NOT_FOUND', message: `${cmd.stream} does not exist` }) };
  }
  if (cmd.honourIfMatch && meta.ifMatch !== null && meta.ifMatch !== folded.revision) {
    return { kind: 'stale_revision', expected: meta.ifMatch, actual: folded.revision };
  }
  const context = loop.context(meta);
  const command = await cmd.build(folded, context);
  if (isRejection(command)) return { kind: 'rejected', rejection: command };
  const decision = cmd.decider.decide(command, folded.state);
  if (isRejection(decision)) return { kind: 'rejected', rejection: decision };
  const refusal = decision.length > 0 ? (loop.options.writeRefusal?.() ?? null) : null;
  if (refusal) return { kind: 'write_refused', firstBreak: refusal };
  try {
    const newEvents = loop.newEvents(cmd.stream, decision, meta, context, cmd.eventId);
    if (newEvents.length > 0) await meta.beforeAppend?.();
    if (cmd.claim && newEvents.length > 0) await cmd.claim(newEvents, folded, context);
    const result = await loop.appendNew(cmd.stream, newEvents, folded.revision ?? 'no_stream');
    if (newEvents.length > 0) loop.keepAppended(cmd.stream, cmd.decider, folded, newEvents, result.revision);
    return { kind: 'appended', id: cmd.id, revision: result.revision, position: result.position, events: decision.length };
  } catch (e) {
    if (!(e instanceof ConcurrencyError)) throw e;
    // A stale If-Match was answered above; a conflict here means someone wrote in between.
    return { kind: 'conflict', stream: e.stream, retry: cmd.retryOnConflict === true || e.stream !== cmd.stream };
  }
}
