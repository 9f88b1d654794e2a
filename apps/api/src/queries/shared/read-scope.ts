import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@ledger/contracts/events';
import { countyDate, type Clock } from '@ledger/platform';
import { ReadQueries } from '@ledger/read-models';
import { ApiProblem, NotFoundProblem } from '../../problem-details/errors';
import { CLOCK } from '../../platform/tokens';

/** How long a query waits for `minPosition` before 503 (API.md: at most 5 s). */
export const MIN_POSITION_WAIT_MS = 5000;

export class OutOfScopeProblem extends ApiProblem {
  constructor(what: string) {
    super(403, 'OUT_OF_SCOPE', `${what} is outside the subtree this user acts for`);
  }
}

/**
 * What every query handler needs around ReadQueries: today's county date, the consistency wait, and
 * the unit user's scope (their unit's subtree; other roles see everything).
 */
@Injectable()
export class ReadScope {
  constructor(
    readonly queries: ReadQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  today(): string {
    return countyDate(this.clock.now());
  }

  /** Waits until the read models include `minPosition`; ReadModelsBehindError (503) otherwise. */
  async consistent(minPosition: string | undefined): Promise<void> {
    if (minPosition) await this.queries.ensurePosition(BigInt(minPosition), MIN_POSITION_WAIT_MS);
  }

  /** The subtree root a unit user is confined to; undefined for county-level roles. */
  scopeRoot(actor: Actor): string | undefined {
    if (actor.role !== 'unit') return undefined;
    // A unit token without a unit sees nothing rather than everything.
    return actor.unitId ?? '\u0000none';
  }

  async unitInScope(actor: Actor, unitId: string): Promise<boolean> {
    const root = this.scopeRoot(actor);
    return root === undefined || (await this.queries.isInSubtree(unitId, root));
  }

  /** 404 for an unknown unit, 403 for one outside the user's subtree. */
  async requireUnit(actor: Actor, unitId: string): Promise<void> {
    if (!(await this.queries.unit(unitId))) throw new NotFoundProblem('UNIT_NOT_FOUND', `no unit ${unitId}`);
    if (!(await this.unitInScope(actor, unitId))) throw new OutOfScopeProblem(`unit ${unitId}`);
  }
}
