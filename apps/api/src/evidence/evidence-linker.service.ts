import { Inject, Injectable } from '@nestjs/common';
import type { Evidence } from '@ledger/contracts/events';
import type { EvidenceStorage } from '@ledger/integrity';
import { ValidationProblem, type FieldError } from '../problem-details/errors';
import { EVIDENCE_STORAGE } from './evidence.tokens';

/**
 * A report's evidence entry whose hash names an uploaded file is linked to it: the event records
 * `stored: true`, so that `ledger verify` reports the file if it later goes missing. An entry whose
 * file was never uploaded (a version 1 client) is recorded as before.
 */
@Injectable()
export class EvidenceLinker {
  constructor(@Inject(EVIDENCE_STORAGE) private readonly files: EvidenceStorage) {}

  async link(evidence: readonly Evidence[] | undefined): Promise<Evidence[]> {
    const errors: FieldError[] = [];
    const linked = await Promise.all(
      (evidence ?? []).map(async (e, i) => {
        const sha256 = typeof e?.sha256 === 'string' ? e.sha256.toLowerCase() : '';
        if (!/^[0-9a-f]{64}$/.test(sha256) || !(await this.files.has(sha256))) return e;
        const check = await this.files.verify(sha256);
        if (check.state !== 'ok') return e;
        if (check.size !== e.size)
          errors.push({ field: `evidence.${i}.size`, messages: [`the uploaded file with this SHA-256 has ${check.size} bytes, not ${e.size}`] });
        return { ...e, stored: true as const };
      }),
    );
    if (errors.length) throw new ValidationProblem(errors);
    return linked;
  }
}
