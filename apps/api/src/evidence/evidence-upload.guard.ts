import { createHash } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { EvidenceConfig } from '@ledger/integrity';
import type { Request, Response } from 'express';
import multer from 'multer';
import { ApiProblem, ValidationProblem } from '../problem-details/errors';
import { EVIDENCE_CONFIG } from './evidence.tokens';

export const UPLOADED_EVIDENCE = 'ledgerUploadedEvidence';

/**
 * Uploads being received at once, each held in memory up to LEDGER_EVIDENCE_MAX_BYTES until it is
 * hashed, sniffed and written: one more is 503 SERVER_BUSY before its body is read.
 */
export const MAX_EVIDENCE_UPLOADS_IN_FLIGHT = 8;
let inFlight = 0;

/**
 * Reads the multipart body after the token was checked (guards run after the global AuthGuard and
 * before the interceptors): an unauthenticated upload is never buffered, and the Idempotency-Key
 * interceptor fingerprints the file's name, size and SHA-256 as the request body.
 */
@Injectable()
export class EvidenceUploadGuard implements CanActivate {
  private readonly parse: ReturnType<multer.Multer['single']>;

  constructor(@Inject(EVIDENCE_CONFIG) private readonly config: EvidenceConfig) {
    this.parse = multer({
      storage: multer.memoryStorage(),
      limits: { fileSize: config.maxBytes, files: 1, fields: 0, parts: 1, headerPairs: 20 },
    }).single('file');
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const http = ctx.switchToHttp();
    const req = http.getRequest<Request & Record<string, unknown>>();
    const res = http.getResponse<Response>();
    if (!req.is('multipart/form-data')) throw new ApiProblem(415, 'MULTIPART_REQUIRED', 'send multipart/form-data with the file in the field "file"');
    const declared = Number(req.headers['content-length']);
    // A body announced larger than the limit (plus room for the multipart framing) is refused unread.
    if (Number.isFinite(declared) && declared > this.config.maxBytes + 64 * 1024) throw this.tooLarge();
    if (inFlight >= MAX_EVIDENCE_UPLOADS_IN_FLIGHT) {
      res.setHeader('Retry-After', '5');
      throw new ApiProblem(503, 'SERVER_BUSY', `${inFlight} evidence uploads are being received; retry in 5 s`, { retryAfterSeconds: 5 });
    }
    inFlight++;
    res.once('close', () => inFlight--);
    await new Promise<void>((resolve, reject) => this.parse(req, res, (err?: unknown) => (err ? reject(this.problem(err)) : resolve())));
    const file = (req as unknown as { file?: Express.Multer.File }).file;
    if (!file || file.size === 0)
      throw new ValidationProblem([
        { field: 'file', messages: ['file must be a non-empty image, PDF or Office document, sent in the multipart field "file"'] },
      ]);
    const name = Buffer.from(file.originalname, 'latin1').toString('utf8');
    const sha256 = createHash('sha256').update(file.buffer).digest('hex');
    const uploaded: UploadedEvidence = { buffer: file.buffer, name, sha256, declaredType: file.mimetype };
    req[UPLOADED_EVIDENCE] = uploaded;
    req.body = { file: { name, size: file.size, sha256 } };
    return true;
  }

  private tooLarge(): ApiProblem {
    return new ApiProblem(
      413,
      'FILE_TOO_LARGE',
      `an evidence file may be at most ${this.config.maxBytes} bytes (${(this.config.maxBytes / 1024 / 1024).toFixed(1)} MiB)`,
      { maxBytes: this.config.maxBytes },
    );
  }

  private problem(err: unknown): ApiProblem {
    if (err instanceof multer.MulterError) {
      if (err.code === 'LIMIT_FILE_SIZE') return this.tooLarge();
      if (err.code === 'LIMIT_UNEXPECTED_FILE' || err.code === 'LIMIT_FILE_COUNT' || err.code === 'LIMIT_PART_COUNT' || err.code === 'LIMIT_FIELD_COUNT') {
        return new ApiProblem(400, 'UNEXPECTED_PART', 'send one file, in the field "file", and nothing else');
      }
      return new ApiProblem(400, 'BAD_MULTIPART', `multipart body refused: ${err.message}`);
    }
    return new ApiProblem(400, 'BAD_MULTIPART', `multipart body unreadable: ${(err as Error)?.message ?? String(err)}`);
  }
}

export interface UploadedEvidence {
  buffer: Buffer;
  name: string;
  sha256: string;
  declaredType: string;
}
