import type { CommandResult } from '@ledger/contracts/http/views';
import type { CommandOutcome } from './handle-command';

/** Every outcome but a written one: what a caller refuses with. */
export type Refusal = Exclude<CommandOutcome, { kind: 'appended' } | { kind: 'replayed' }>;

/**
 * The code, text and extra fields of a refused command, written once: the API gives each its HTTP
 * status (apps/api/src/problem-details/command-outcome.ts), the CLI prints `code: message`.
 */
export function refusalOf(outcome: Refusal): { code: string; message: string; extra: Record<string, unknown> } {
  switch (outcome.kind) {
    case 'not_found':
      return { code: outcome.code, message: outcome.message, extra: {} };
    case 'stale_revision':
      return {
        code: 'STALE_REVISION',
        message: `If-Match names revision ${outcome.expected}; the stream is at ${outcome.actual ?? 'no revision'}`,
        extra: { currentRevision: outcome.actual },
      };
    case 'rejected': {
      const r = outcome.rejection;
      return { code: r.code, message: r.message, extra: r.details ? { details: r.details } : {} };
    }
    case 'conflict':
      return { code: 'CONCURRENCY_CONFLICT', message: 'another write to the same record won; read it again and retry', extra: {} };
    case 'write_refused': {
      const found = outcome.firstBreak;
      return {
        code: 'LEDGER_TAMPERED',
        message:
          `writes are refused: the ledger's hash chain is broken at position ${found.position} (${found.stream}#${found.revision}): ${found.reason}. ` +
          'Restore the store from a verified copy (ledger verify), or set LEDGER_ON_TAMPER=warn to write anyway',
        extra: { firstBreak: found },
      };
    }
  }
}

/** A refused command outside HTTP (the CLI): its code and text as the API would answer them. */
export class CommandRefused extends Error {
  readonly code: string;
  readonly extra: Record<string, unknown>;
  constructor(readonly outcome: Refusal) {
    const { code, message, extra } = refusalOf(outcome);
    super(message);
    this.code = code;
    this.extra = extra;
  }
}

/** How a use case of this layer turns an outcome into its answer: the API's `answer` (HTTP problems) or `resultOf`. */
export type AnswerOutcome = (outcome: CommandOutcome) => CommandResult;

/** The written outcome's result; any other outcome is thrown as a CommandRefused. */
export function resultOf(outcome: CommandOutcome): CommandResult {
  if (outcome.kind === 'appended' || outcome.kind === 'replayed') return { id: outcome.id, revision: outcome.revision, position: outcome.position.toString() };
  throw new CommandRefused(outcome);
}
