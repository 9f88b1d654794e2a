import type { ValidationError } from 'class-validator';
import { ValidationProblem, type FieldError } from '../problems';

/** Flattens class-validator's tree into one entry per field path (`evidence.0.sha256`). */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out.push({ field, messages: Object.values(e.constraints) });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

export function validationProblemFactory(errors: ValidationError[]): ValidationProblem {
  return new ValidationProblem(flattenValidationErrors(errors));
}
