/**
 * The problems every layer may raise with a stable code (RFC 9457 problem details, API.md): the API's one
 * filter (apps/api/src/problem-details/problem-details.filter.ts) sends them, the CLI prints `code: message`.
 * Plain classes, no framework: the read models and the application layer throw them too.
 */
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
