import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { URGE_LEVELS, type Actor } from '@ledger/contracts/events';
import { itemDecider, itemStream, reject, type ItemCommand, type ItemState, type Rejection } from '@ledger/domain';
import { DuplicateEventIdError } from '@ledger/event-store';
import { countyDate, nextCountyMidnight, stepReached, type Clock, type EscalationStep, type LedgerConfig } from '@ledger/platform';
import type { DataSource } from 'typeorm';
import { v4 as uuidv4 } from 'uuid';
import { CommandLoop, WriteRefusedError, handleCommand, type CommandMeta } from '@ledger/application';
import { CLOCK, LEDGER_CONFIG } from '../platform/tokens';
import { escalationCandidates, missedCandidates, reminderCandidates, type Candidate } from './deadline-candidates';

/** The actor of every act of the deadline process. */
export const SYSTEM_ACTOR: Actor = { userId: 'system', role: 'system', unitId: null, name: '系统' };
export const REMINDER_CHANNEL = '系统提醒';
export const READ_MODELS_DS = Symbol('READ_MODELS_DS');

/** After the county's midnight, so that a timer a little early still runs on the new county date. */
export const MIDNIGHT_MARGIN_MS = 1000;

/**
 * Milliseconds from `now` to the next run: the interval, or sooner when the county's midnight (plus
 * the margin) comes first, so that items due yesterday are recorded at the start of the day.
 */
export function nextRunDelayMs(now: Date, intervalMs: number): number {
  const untilMidnight = nextCountyMidnight(now).getTime() + MIDNIGHT_MARGIN_MS - now.getTime();
  return Math.max(0, Math.min(intervalMs, untilMidnight));
}

export interface DeadlineRunResult {
  today: string;
  /** DeadlineMissed recorded in this run. */
  missed: number;
  /** Reminders (ItemUrged, level reminder) sent in this run. */
  reminded: number;
  /** Steps of the escalation ladder (ItemEscalated) recorded in this run. */
  escalated: number;
  /**
   * DeadlineMissed and reminder candidates the item's stream turned down (already recorded, concluded
   * in time, extended …). Not the ladder's: most overdue items have no step due on most days.
   */
  declined: number;
  /** Items left for the next run (a concurrent writer kept winning). */
  deferred: number;
  /** True when `limit` stopped the run early. */
  stoppedEarly: boolean;
}

export interface RunOptions {
  /** Stop after this many appended events (tests: a crash mid-run). */
  limit?: number;
}

type Outcome = 'appended' | 'declined' | 'deferred';
type Act = 'missed' | 'reminder' | 'escalation';
const IDEMPOTENCY_KIND: { readonly [K in Act]: string } = { missed: 'deadline-missed', reminder: 'deadline-reminder', escalation: 'escalation' };

/**
 * The deadline process (逾期): as days pass it records DeadlineMissed for every item whose due date in
 * force has passed, sends the system's reminder (提醒) `reminderDays` before it, and climbs the
 * escalation ladder (ItemEscalated, LEDGER_ESCALATION) as the days after it pass. Exactly once per
 * item and due date (and ladder step), also across restarts, crashes and concurrent workers: the read models only
 * nominate candidates; each act goes through handleCommand (fold → decide → append), with event
 * ids derived from item and due date (a rerun finds its own event in the stream), the expected
 * revision (a concurrent writer makes us re-read) and the decider's own once-per-date rule.
 */
@Injectable()
export class DeadlineWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('DeadlineWorker');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  /** The last timed run's result (null before the first ends): for operators' logs and tests. */
  lastRun: DeadlineRunResult | null = null;

  constructor(
    private readonly loop: CommandLoop,
    @Inject(READ_MODELS_DS) private readonly readModels: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.deadlineWorker) return;
    // At once: a due date that passed while the app was down is recorded now, not an interval later.
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One run after `delayMs`, then the next one timed from the clock when it ends (runs never overlap). */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick().finally(() => this.schedule(nextRunDelayMs(this.clock.now(), this.config.deadlineIntervalSeconds * 1000)));
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    try {
      this.running = this.runOnce();
      const r = (await this.running) as DeadlineRunResult;
      this.lastRun = r;
      if (r.missed || r.reminded || r.escalated || r.deferred) {
        this.log.log(`${r.today}: ${r.missed} deadlines missed, ${r.escalated} escalations, ${r.reminded} reminders, ${r.deferred} deferred`);
      }
    } catch (e) {
      this.log.error(`deadline run failed: ${(e as Error).message}`);
    } finally {
      this.running = null;
    }
  }

  /** One pass over the candidates as of `today` (county date; default: the clock's). */
  async runOnce(today: string = countyDate(this.clock.now()), options: RunOptions = {}): Promise<DeadlineRunResult> {
    const result: DeadlineRunResult = { today, missed: 0, reminded: 0, escalated: 0, declined: 0, deferred: 0, stoppedEarly: false };
    const limit = options.limit ?? Infinity;
    const runId = uuidv4();
    const full = () => result.missed + result.reminded + result.escalated >= limit;
    const count = (o: Outcome, kind: 'missed' | 'reminded' | 'escalated') => {
      if (o === 'appended') result[kind]++;
      else result[o]++;
    };
    for await (const page of missedCandidates(this.readModels, today)) {
      for (const c of page) {
        if (full()) return { ...result, stoppedEarly: true };
        count(await this.act('missed', c, today, runId), 'missed');
      }
    }
    const ladder = this.config.escalation;
    if (ladder.length > 0) {
      for await (const page of escalationCandidates(this.readModels, today, ladder[0].days)) {
        for (const c of page) {
          if (full()) return { ...result, stoppedEarly: true };
          const outcome = await this.act('escalation', c, today, runId);
          if (outcome !== 'declined') count(outcome, 'escalated');
        }
      }
    }
    for await (const page of reminderCandidates(this.readModels, today, this.config.reminderDays)) {
      for (const c of page) {
        if (full()) return { ...result, stoppedEarly: true };
        count(await this.act('reminder', c, today, runId), 'reminded');
      }
    }
    return result;
  }

  private async act(kind: Act, candidate: Candidate, today: string, runId: string): Promise<Outcome> {
    const stream = itemStream(candidate.id);
    for (let attempt = 0; attempt < 4; attempt++) {
      // The due date in force comes from the stream (the read models may be behind an extension); it names the act's event id.
      const { state } = await this.loop.foldLatest<ItemState>(stream, itemDecider);
      if (state.status === 'unassigned') return 'declined';
      if (kind === 'reminder' && !this.remindable(state, today)) return 'declined';
      const dueDate = state.dueDate;
      // The ladder's step is the highest one reached today from the due date in force; the decider refuses one already recorded.
      const step = kind === 'escalation' ? this.escalationStep(state, today) : null;
      if (kind === 'escalation' && !step) return 'declined';
      const meta = this.meta(kind, candidate.id, dueDate, runId, step);
      let dueDateMoved = false;
      try {
        const outcome = await handleCommand(
          this.loop,
          {
            name: kind === 'missed' ? 'RecordDeadlineMissed' : kind === 'escalation' ? 'EscalateItem' : 'UrgeItem',
            stream,
            decider: itemDecider,
            mode: 'existing',
            id: candidate.id,
            retryOnConflict: true,
            build: ({ state }, asOfNow): ItemCommand | Rejection => {
              if (state.status === 'unassigned' || state.dueDate !== dueDate) {
                dueDateMoved = true;
                return reject('DUE_DATE_MOVED', 'the due date in force changed since it was read');
              }
              if (kind === 'reminder' && !this.remindable(state, today)) return reject('NOT_REMINDABLE', 'no reminder is due');
              // The run's county date decides (runOnce(today) in tests); the clock gives the recorded instant.
              const context = { ...asOfNow, today };
              if (kind === 'escalation') {
                if (this.escalationStep(state, today)?.level !== step?.level) {
                  dueDateMoved = true;
                  return reject('ESCALATION_STEP_MOVED', 'the step reached changed since it was read');
                }
                return { type: 'EscalateItem', context, data: { itemId: candidate.id, step: step!.days, level: step!.level }, facts: {} };
              }
              return kind === 'missed'
                ? { type: 'RecordDeadlineMissed', context, data: { itemId: candidate.id }, facts: {} }
                : {
                    type: 'UrgeItem',
                    context,
                    data: {
                      itemId: candidate.id,
                      level: 'reminder',
                      channel: REMINDER_CHANNEL,
                      note: `距完成时限（${state.dueDate}）还有${daysBetween(today, state.dueDate)}天，请按期办结`,
                    },
                    facts: {},
                  };
            },
          },
          meta,
        );
        switch (outcome.kind) {
          case 'appended':
            return 'appended';
          case 'rejected':
            // Read again under the new due date's key; any other rejection is the decider's no (already recorded, concluded …).
            if (dueDateMoved) continue;
            return 'declined';
          case 'replayed': // our own event id is in the stream: recorded before, by this or another worker
          case 'not_found':
          case 'stale_revision':
            return 'declined';
          case 'conflict':
            return 'deferred';
          case 'write_refused':
            throw new WriteRefusedError(outcome.firstBreak);
        }
      } catch (e) {
        // Another worker appended the same act (same event id, another run's metadata): read again, and find it.
        if (e instanceof DuplicateEventIdError) continue;
        throw e;
      }
    }
    return 'deferred';
  }

  /**
   * The ladder's step to record for this item today: the highest reached from the due date in force,
   * if the stream has not recorded it or a higher one for that date; null otherwise. The worker asks
   * first so that a quiet day costs a fold, not a command; the decider keeps the rule.
   */
  private escalationStep(state: ItemState, today: string): EscalationStep | null {
    if (state.status !== 'assigned' && state.status !== 'in_progress') return null;
    const step = stepReached(this.config.escalation, daysBetween(state.dueDate, today));
    if (!step) return null;
    const done = state.escalation?.dueDate === state.dueDate ? state.escalation.level : null;
    return done !== null && URGE_LEVELS.indexOf(done) >= URGE_LEVELS.indexOf(step.level) ? null : step;
  }

  /** Reminders go to items not yet reported, inside the window; DeadlineMissed is the decider's call. */
  private remindable(state: ItemState, today: string): boolean {
    if (state.status !== 'assigned' && state.status !== 'in_progress') return false;
    return today <= state.dueDate && daysBetween(today, state.dueDate) <= this.config.reminderDays;
  }

  /**
   * Deterministic ids: the command path derives event ids from the idempotency key, so the same act
   * for the same item and due date always gets the same event id, whichever worker runs it, when.
   */
  private meta(kind: Act, itemId: string, dueDate: string, runId: string, step: EscalationStep | null): CommandMeta {
    return {
      actor: SYSTEM_ACTOR,
      // The run is the request: two runs never write identical metadata, so a racing duplicate is
      // refused by the store (DuplicateEventIdError) instead of passing as a retry of the other's.
      correlationId: runId,
      commandId: uuidv4(),
      // An escalation's key names its level too: one event per item, due date and step (levels rise strictly along the ladder).
      idempotencyKey: `system\n${IDEMPOTENCY_KIND[kind]}\n${itemId}\n${dueDate}${step ? `\n${step.level}` : ''}`,
      ifMatch: null,
    };
  }
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
