import { Inject, Injectable } from '@nestjs/common';
import type { LedgerConfig, Clock } from '@ledger/platform';
import { countyDateOf, ensureTemporalCovers, ensureTemporalPosition, ReadQueries, TemporalQueries, type InstantCut, type LedgerCut } from '@ledger/read-models';
import { CLOCK } from '../../platform/tokens';
import { ValidationProblem } from '../../problem-details/errors';

/**
 * `asOf=<instant>` → the cut of the log it names: the events recorded at or before the instant
 * (an event recorded exactly at it is included), read on the instant's county date. A future instant
 * (or now) answers as now: no cut, the current read models.
 */
@Injectable()
export class AsOfCuts {
  constructor(
    readonly temporal: TemporalQueries,
    private readonly queries: ReadQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async cut(asOf: string | undefined): Promise<LedgerCut | null> {
    const at = await this.instant(asOf);
    return at && { position: await this.temporal.positionAt(at.instantMs), day: at.day };
  }

  /**
   * As cut, the position left to the answer: the figures and lists look it up in their own statement
   * on PostgreSQL (one round trip less, each waiting for a CPU on a busy server).
   */
  async instant(asOf: string | undefined): Promise<InstantCut | null> {
    if (asOf === undefined) return null;
    const ms = Date.parse(asOf);
    if (!Number.isFinite(ms)) throw new ValidationProblem([{ field: 'asOf', messages: ['asOf must be an ISO-8601 instant with its offset'] }]);
    if (ms >= this.clock.now().getTime()) return null;
    // The temporal models follow the current-state ones in transactions of their own: a cut they do
    // not cover yet waits for them (503 after 5 s), never answered from fewer events than it holds.
    await ensureTemporalCovers(this.queries.dataSource, ms);
    return { instantMs: ms, day: countyDateOf(new Date(ms).toISOString()) };
  }

  /** Waits until the temporal read models include `position` (503 after 5 s). */
  ensureTemporal(position: bigint): Promise<void> {
    return ensureTemporalPosition(this.queries.dataSource, position);
  }
}

export function temporalQueriesFactory(queries: ReadQueries, config: LedgerConfig): TemporalQueries {
  return new TemporalQueries(queries.dataSource, config);
}
