import { createHash } from 'node:crypto';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import multer from 'multer';
import { findLoneSurrogate } from '../../problem-details/body-guards';
import { ApiProblem } from '../../problem-details/errors';
import { MAX_SHEET_FILE_BYTES } from '@ledger/contracts';

export interface UploadedSheet {
  buffer: Buffer;
  originalName: string;
  size: number;
  sha256: string;
}

export const UPLOADED_SHEET = 'ledgerUploadedSheet';

/**
 * Uploads being received or waiting for their import at once: each holds up to MAX_SHEET_FILE_BYTES
 * in memory (multer's memory storage), so this bounds what uploads alone can hold to 100 MB. One more
 * is 503 SERVER_BUSY before its body is read.
 */
export const MAX_UPLOADS_IN_FLIGHT = 10;
let uploadsInFlight = 0;

/** The upload's file size and its multipart parts, stated rather than left to multer's defaults (unbounded file size). */
const parseMultipart = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_SHEET_FILE_BYTES, files: 1, fields: 10, fieldSize: 16 * 1024, fieldNameSize: 100, parts: 12, headerPairs: 20 },
}).single('file');

/**
 * Reads the multipart body after the token was checked (a guard runs after the global AuthGuard and
 * before the interceptors): unauthenticated uploads are not buffered, and the Idempotency-Key
 * interceptor sees the fields plus the file's SHA-256 as the request body it fingerprints.
 */
@Injectable()
export class SheetUploadGuard implements CanActivate {
  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const http = ctx.switchToHttp();
    const req = http.getRequest<Request & Record<string, unknown>>();
    const res = http.getResponse<Response>();
    if (!req.is('multipart/form-data')) {
      throw new ApiProblem(415, 'MULTIPART_REQUIRED', 'send multipart/form-data with the workbook or CSV in the field "file"');
    }
    if (uploadsInFlight >= MAX_UPLOADS_IN_FLIGHT) {
      res.setHeader('Retry-After', '10');
      throw new ApiProblem(503, 'SERVER_BUSY', `${uploadsInFlight} uploads are being received or imported; retry in 10 s`, { retryAfterSeconds: 10 });
    }
    uploadsInFlight++;
    // Until the answer is sent or the client goes: the file's buffer lives as long as the request.
    res.once('close', () => uploadsInFlight--);
    await new Promise<void>((resolve, reject) => parseMultipart(req, res, (err?: unknown) => (err ? reject(uploadProblem(err)) : resolve())));
    const file = (req as unknown as { file?: Express.Multer.File }).file;
    const fields = { ...((req.body as Record<string, unknown> | undefined) ?? {}) };
    // A part may declare charset=utf-16le, which busboy decodes as it is: refused as JSON bodies are (create-app.ts).
    const broken = findLoneSurrogate(fields);
    if (broken !== null) {
      throw new ApiProblem(400, 'INVALID_UNICODE', `${broken}: a lone surrogate (half of a UTF-16 pair) is not text; send well-formed Unicode`, {
        field: broken,
      });
    }
    if (file) {
      const uploaded: UploadedSheet = {
        buffer: file.buffer,
        originalName: Buffer.from(file.originalname, 'latin1').toString('utf8'),
        size: file.size,
        sha256: createHash('sha256').update(file.buffer).digest('hex'),
      };
      req[UPLOADED_SHEET] = uploaded;
      // What an Idempotency-Key fingerprints: the fields and the file's content.
      req.body = { ...fields, file: { sha256: uploaded.sha256, size: uploaded.size } };
    } else {
      req.body = fields;
    }
    return true;
  }
}

function uploadProblem(err: unknown): ApiProblem {
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') {
      return new ApiProblem(413, 'FILE_TOO_LARGE', `the file is larger than ${MAX_SHEET_FILE_BYTES / 1024 / 1024} MB`);
    }
    if (err.code === 'LIMIT_UNEXPECTED_FILE')
      return new ApiProblem(400, 'UNEXPECTED_FILE', `only one file, in the field "file", is accepted (got "${err.field}")`);
    return new ApiProblem(400, 'BAD_MULTIPART', `multipart body refused: ${err.message}`);
  }
  return new ApiProblem(400, 'BAD_MULTIPART', `multipart body unreadable: ${(err as Error)?.message ?? String(err)}`);
}
