import type { Rejection } from '@ledger/domain';
import { refusalOf } from '@ledger/application';
import { ApiProblem } from '@ledger/contracts/problems';

/** Errors the API itself raises, beside the shared ones of @ledger/contracts/problems; the one filter (./problem-details.filter.ts) turns each into a problem. */
export { ApiProblem, NotFoundProblem, ValidationProblem, type FieldError } from '@ledger/contracts/problems';

export class StaleRevisionProblem extends ApiProblem {
  constructor(expected: number, actual: number | null) {
    const { code, message, extra } = refusalOf({ kind: 'stale_revision', expected, actual });
    super(412, code, message, extra);
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
