import { refusalOf, type CommandOutcome } from '@ledger/application';
import type { CommandResult } from '@ledger/contracts/http/views';
import { tamperedProblem } from '../audit/integrity-state';
import { ApiProblem, NotFoundProblem, RejectedProblem, StaleRevisionProblem } from './errors';

/** A command's answer on HTTP (CommandResultDto): positions are strings in JSON. */
export type { CommandResult };

/**
 * The one place where a command's outcome gets its HTTP status: appended and replayed answer the
 * result; every other outcome becomes the problem the filter sends (404, 412, 403/409, 409, 503).
 */
export function answer(outcome: CommandOutcome, options: { notFoundCodes?: readonly string[] } = {}): CommandResult {
  switch (outcome.kind) {
    case 'appended':
    case 'replayed':
      return { id: outcome.id, revision: outcome.revision, position: outcome.position.toString() };
    case 'not_found':
      throw new NotFoundProblem(outcome.code, outcome.message);
    case 'stale_revision':
      throw new StaleRevisionProblem(outcome.expected, outcome.actual);
    case 'rejected': {
      const r = outcome.rejection;
      // A rejection about an id in the path (`notFoundCodes`) is an unknown resource (404), not a rule (409).
      if (options.notFoundCodes?.includes(r.code)) throw new ApiProblem(404, r.code, r.message, r.details ? { details: r.details } : {});
      throw new RejectedProblem(r);
    }
    case 'conflict': {
      const { code, message } = refusalOf(outcome);
      throw new ApiProblem(409, code, message);
    }
    case 'write_refused':
      throw tamperedProblem(outcome.firstBreak);
  }
}
