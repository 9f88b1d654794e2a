import { Controller, HttpStatus, Post, Req, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiCreatedResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Request, Response } from 'express';
import { Roles } from '../../auth/roles.decorator';
import { HEAVY_REQUESTS } from '../../exports/work-gate';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import { ValidationProblem, type FieldError } from '../../problem-details/errors';
import { ApiCommandErrors } from '../../problem-details/openapi';
import { flattenValidationErrors, ImportSheetFieldsDto } from '@ledger/contracts';
import { ImportSheetCommand } from './import-sheet.command';
import type { SheetImportAnswer } from '@ledger/application';
import { SheetUploadGuard, UPLOADED_SHEET, type UploadedSheet } from './upload.guard';

const ANSWER_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'the sheet id (the same for the same file under the same number)' },
    itemCount: { type: 'integer' },
    revision: { type: 'integer' },
    position: { type: 'string', description: 'pass as minPosition to read the sheet and all its items' },
    alreadyImported: { type: 'boolean', description: 'this file was imported under this number before' },
    written: { type: 'integer', description: 'events appended by this request (0: a complete re-import)' },
  },
};

@ApiTags('sheets')
@Controller('sheets')
export class ImportSheetRoute {
  constructor(private readonly bus: CommandBus) {}

  @Post('import')
  @Roles('org_dept')
  @UseGuards(SheetUploadGuard)
  @ApiOperation({
    summary: '交办单导入: a sheet and its items from an .xlsx or CSV (UTF-8, UTF-16, GBK)',
    description:
      'Every row is checked first: 400 with `errors: [{ row, column, message, field }]` and nothing written. ' +
      '201 when something was written. The same file under the same number again writes nothing and answers 200 with ' +
      '`alreadyImported: true` and the same sheet id (an interrupted import is completed: 201, `alreadyImported: true`). ' +
      'The same number with another file: 409 SHEET_NUMBER_TAKEN. Files above 10 MB: 413. A file whose content goes past the ' +
      'import limits (10,000 items, 20,000 rows read, 300,000 cells, 256 columns, 32,767 characters a cell, a zip expanding past ' +
      '128 MB an entry or 200:1, 30 s of parsing): 400 SHEET_TOO_LARGE with `limit` and `max`. Imports and exports take turns: ' +
      '503 SERVER_BUSY with Retry-After when the queue is full.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file', 'number', 'title', 'issuedOn'],
      properties: {
        file: { type: 'string', format: 'binary' },
        number: { type: 'string', example: '湟组交〔2026〕12号' },
        title: { type: 'string' },
        issuedOn: { type: 'string', format: 'date' },
        source: { type: 'string' },
      },
    },
  })
  @ApiCreatedResponse({ schema: ANSWER_SCHEMA, description: 'imported (or an interrupted import completed)' })
  @ApiOkResponse({ schema: ANSWER_SCHEMA, description: 'already imported: nothing written' })
  @ApiResponse({ status: 415, description: 'not multipart/form-data' })
  @ApiResponse({ status: 503, description: 'SERVER_BUSY: ten uploads in flight, or eight imports and exports waiting; see Retry-After' })
  @ApiCommandErrors()
  async importSheet(@Req() req: Request, @Res({ passthrough: true }) res: Response, @Meta() meta: CommandMeta): Promise<SheetImportAnswer> {
    const file = (req as unknown as Record<string, unknown>)[UPLOADED_SHEET] as UploadedSheet | undefined;
    const { file: _, ...raw } = (req.body ?? {}) as Record<string, unknown>;
    const fields = plainToInstance(ImportSheetFieldsDto, raw);
    const errors: FieldError[] = flattenValidationErrors(await validate(fields, { whitelist: true, forbidNonWhitelisted: true }));
    if (!file || file.size === 0)
      errors.unshift({ field: 'file', messages: ['file must be a workbook (.xlsx) or a CSV file, sent in the multipart field "file"'] });
    if (errors.length > 0) throw new ValidationProblem(errors);
    // One import or export at a time per process: each may hold hundreds of MB (exports/work-gate.ts).
    const answer: SheetImportAnswer = await HEAVY_REQUESTS.run(
      () =>
        this.bus.execute(
          new ImportSheetCommand(file!.buffer, { number: fields.number, title: fields.title, issuedOn: fields.issuedOn, source: fields.source ?? null }, meta),
        ),
      res,
    );
    res.status(answer.written > 0 ? HttpStatus.CREATED : HttpStatus.OK);
    return answer;
  }
}
