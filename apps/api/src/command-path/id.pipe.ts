import { Injectable, type PipeTransform } from '@nestjs/common';
import { ID_PATTERN } from '@ledger/contracts';
import { ValidationProblem } from '../problem-details/errors';

/** Path ids must look like ids (see ID_PATTERN) before they become part of a stream name. */
@Injectable()
export class IdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: { data?: string }): string {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
      throw new ValidationProblem([{ field: metadata.data ?? 'id', messages: ['must be 1–64 characters of A–Z, a–z, 0–9, _ or -'] }]);
    }
    return value;
  }
}
