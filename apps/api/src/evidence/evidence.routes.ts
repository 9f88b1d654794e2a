import { Controller, Get, HttpStatus, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { STREAM_PREFIX, type Actor } from '@ledger/contracts/events';
import type { EventStore } from '@ledger/event-store';
import { EVIDENCE_TYPES, INLINE_EVIDENCE_TYPES, SHA256_HEX, sniffEvidenceType, type EvidenceStorage, type EvidenceType } from '@ledger/integrity';
import type { Request, Response } from 'express';
import { CurrentActor } from '../auth/current-actor.decorator';
import { Roles } from '../auth/roles.decorator';
import { IdPipe } from '../command-path/id.pipe';
import { EVENT_STORE } from '../platform/tokens';
import { ApiProblem, NotFoundProblem, ValidationProblem } from '../problem-details/errors';
import { OutOfScopeProblem, ReadScope } from '../queries/shared/read-scope';
import { EvidenceUploadGuard, UPLOADED_EVIDENCE, type UploadedEvidence } from './evidence-upload.guard';
import { EVIDENCE_STORAGE } from './evidence.tokens';
import { recordAccessAhead } from '../access-audit/access-audit.middleware';

export interface EvidenceUploadAnswer {
  sha256: string;
  size: number;
  /** The file's name as uploaded: what the report's evidence entry should carry. */
  name: string;
  /** The type its bytes showed (not the one the client declared). */
  type: string;
}

const ANSWER_SCHEMA = {
  type: 'object',
  properties: {
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    size: { type: 'integer' },
    name: { type: 'string' },
    type: { type: 'string', enum: Object.keys(EVIDENCE_TYPES) },
  },
};

@ApiTags('evidence')
@Controller()
export class EvidenceRoutes {
  constructor(
    @Inject(EVIDENCE_STORAGE) private readonly files: EvidenceStorage,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly scope: ReadScope,
  ) {}

  @Post('evidence')
  @Roles('unit')
  @UseGuards(EvidenceUploadGuard)
  @ApiOperation({
    summary: "佐证材料上传: one file, stored under its SHA-256; name it in a report's evidence ({ name, size, sha256 })",
    description:
      'Images (JPEG, PNG, GIF, WebP, HEIC), PDF and Office documents (.docx, .xlsx, .pptx, .doc, .xls, .ppt), judged by their bytes: ' +
      'anything else 415 EVIDENCE_TYPE_NOT_ALLOWED. Larger than LEDGER_EVIDENCE_MAX_BYTES (default 20 MiB): 413 FILE_TOO_LARGE. ' +
      'Nothing is stored in either case. The same bytes again: 200 with the same answer, nothing stored twice.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } })
  @ApiCreatedResponse({ schema: ANSWER_SCHEMA, description: 'stored' })
  @ApiOkResponse({ schema: ANSWER_SCHEMA, description: 'these bytes were stored before: nothing written' })
  @ApiResponse({ status: 413, description: 'FILE_TOO_LARGE' })
  @ApiResponse({ status: 415, description: 'EVIDENCE_TYPE_NOT_ALLOWED, or MULTIPART_REQUIRED' })
  async upload(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<EvidenceUploadAnswer> {
    const file = (req as unknown as Record<string, unknown>)[UPLOADED_EVIDENCE] as UploadedEvidence;
    const type = sniffEvidenceType(file.buffer);
    if (type === null) {
      throw new ApiProblem(
        415,
        'EVIDENCE_TYPE_NOT_ALLOWED',
        `${file.name}: not an image (JPEG, PNG, GIF, WebP, HEIC), a PDF or an Office document (.docx, .xlsx, .pptx, .doc, .xls, .ppt) by its content`,
        {
          allowed: Object.keys(EVIDENCE_TYPES),
        },
      );
    }
    // An API key's or machine token's upload is in the access audit before the file is stored: a trail that cannot record it stores nothing (503).
    await recordAccessAhead(res);
    const { created, stored } = await this.files.put(file.buffer, type);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return { sha256: stored.sha256, size: stored.size, name: file.name, type: stored.type };
  }

  @Get('items/:id/evidence/:sha256')
  @ApiOperation({
    summary: "佐证材料下载: a file one of the item's reports names, for whoever may read the item",
    description:
      'The stored type exactly, X-Content-Type-Options: nosniff; images and PDF inline, anything else as an attachment, named as the report named it. ' +
      "A hash that is not 64 lower-case hex digits: 400. A hash none of the item's events names: 404 EVIDENCE_NOT_FOUND; named but never uploaded (a version 1 report): 404 EVIDENCE_NOT_STORED.",
  })
  @ApiProduces(...Object.keys(EVIDENCE_TYPES))
  @ApiOkResponse({ description: 'the file', schema: { type: 'string', format: 'binary' } })
  async download(@Param('id', IdPipe) id: string, @Param('sha256') sha256: string, @CurrentActor() actor: Actor, @Res() res: Response): Promise<void> {
    if (!SHA256_HEX.test(sha256)) throw new ValidationProblem([{ field: 'sha256', messages: ['sha256 must be a lower-case hex SHA-256 (64 characters)'] }]);
    const events = await this.store.readStream(STREAM_PREFIX.item + id);
    if (events.length === 0) throw new NotFoundProblem('ITEM_NOT_FOUND', `no item ${id}`);
    // Who may read the item's history may read its evidence: the handling unit in force, from the stream.
    let unitId: string | null = null;
    let name: string | null = null;
    for (const e of events) {
      const d = e.data as { unitId?: unknown; evidence?: unknown };
      if ((e.type === 'ItemAssigned' || e.type === 'ItemReassigned') && typeof d.unitId === 'string') unitId = d.unitId;
      if (Array.isArray(d.evidence)) {
        for (const ev of d.evidence as Array<{ sha256?: unknown; name?: unknown }>) {
          if (typeof ev?.sha256 === 'string' && ev.sha256.toLowerCase() === sha256) name ??= typeof ev.name === 'string' ? ev.name : sha256;
        }
      }
    }
    if (this.scope.scopeRoot(actor) !== undefined && !(unitId && (await this.scope.unitInScope(actor, unitId)))) throw new OutOfScopeProblem(`item ${id}`);
    if (name === null) throw new NotFoundProblem('EVIDENCE_NOT_FOUND', `no report of item ${id} names a file with SHA-256 ${sha256}`);
    const found = await this.files.get(sha256);
    if (!found) throw new NotFoundProblem('EVIDENCE_NOT_STORED', `the report names ${name} (SHA-256 ${sha256}) but the file was never uploaded`);
    const inline = INLINE_EVIDENCE_TYPES.has(found.stored.type as EvidenceType);
    res.status(200);
    res.setHeader('Content-Type', found.stored.type);
    res.setHeader('Content-Length', String(found.stored.size));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Disposition', contentDisposition(inline ? 'inline' : 'attachment', name));
    res.setHeader('ETag', `"${sha256}"`);
    found.stream.on('error', () => res.destroy());
    found.stream.pipe(res);
  }
}

/** RFC 6266: an ASCII fallback and the UTF-8 name (Chinese file names are the rule here). */
function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
