import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse } from '@nestjs/swagger';
import { ProblemDetailsDto } from '@ledger/contracts';

const problemResponse = (status: number, description: string) =>
  ApiResponse({ status, description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetailsDto' } } } });

/** The problem-details answers every command route may give (API.md, Errors). */
export function ApiCommandErrors(): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto),
    problemResponse(400, 'invalid body (errors per field)'),
    problemResponse(401, 'missing or bad token'),
    problemResponse(403, 'role or scope may not do this'),
    problemResponse(404, 'unknown id'),
    problemResponse(409, 'a domain rule said no (code names it), or CONCURRENCY_CONFLICT'),
    problemResponse(412, 'stale If-Match'),
    problemResponse(413, 'body larger than 1 MB'),
    problemResponse(422, 'Idempotency-Key reused with another body'),
  );
}
