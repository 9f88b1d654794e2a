import type { Rejection } from '@ledger/domain';

/** Errors the API itself raises; the one filter (./problem-details.filter.ts) turns each into a problem. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface FieldError {
  field: string;
  messages: string[];
}

export class ValidationProblem extends ApiProblem {
  constructor(readonly errors: FieldError[]) {
    super(400, 'VALIDATION_FAILED', `invalid request: ${errors.map((e) => e.field).join(', ')}`);
  }
}

export class NotFoundProblem extends ApiProblem {
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

export class StaleRevisionProblem extends ApiProblem {
  constructor(expected: number, actual: number | null) {
    super(412, 'STALE_REVISION', `If-Match names revision ${expected}; the stream is at ${actual ?? 'no revision'}`, {
      currentRevision: actual,
    });
  }
}

export class IdempotencyKeyReusedProblem extends ApiProblem {
  constructor() {
    super(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with another request body');
  }
}

/** A decider said no: 403 when it is about who acts, 409 when it is about the state. */
export class RejectedProblem extends ApiProblem {
  constructor(readonly rejection: Rejection) {
    super(rejection.forbidden ? 403 : 409, rejection.code, rejection.message, rejection.details ? { details: rejection.details } : {});
  }
}
